import { MemoryStorage } from "@procura/storage-memory"
import { FlowScenarios, StorageConformance } from "@procura/testkit"

StorageConformance.suite("memory", MemoryStorage.layer())
FlowScenarios.suite("memory", MemoryStorage.layer())
