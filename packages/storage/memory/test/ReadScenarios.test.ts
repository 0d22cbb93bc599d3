import { MemoryStorage } from "@procura/storage-memory"
import { ReadScenarios } from "@procura/testkit"

ReadScenarios.suite("memory", MemoryStorage.layer())
