import { MemoryStorage } from "@procura/storage-memory"
import { DeliveryScenarios, FlowScenarios, StockScenarios, StorageConformance } from "@procura/testkit"

StorageConformance.suite("memory", MemoryStorage.layer())
FlowScenarios.suite("memory", MemoryStorage.layer())
DeliveryScenarios.suite("memory", MemoryStorage.layer())
StockScenarios.suite("memory", MemoryStorage.layer())
