import { SqlStorage } from "@procura/storage-sql"
import { DeliveryScenarios, FlowScenarios, StockScenarios, StorageConformance } from "@procura/testkit"

StorageConformance.suite("PGlite", SqlStorage.layerPglite())
FlowScenarios.suite("PGlite", SqlStorage.layerPglite())
DeliveryScenarios.suite("PGlite", SqlStorage.layerPglite())
StockScenarios.suite("PGlite", SqlStorage.layerPglite())
