import { MemoryStorage } from "@procura/storage-memory"
import { StorageConformance } from "@procura/testkit"

StorageConformance.suite("memory", MemoryStorage.layer())
