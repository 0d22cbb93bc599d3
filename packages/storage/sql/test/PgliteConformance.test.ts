import { SqlStorage } from "@procura/storage-sql"
import { FlowScenarios, StorageConformance } from "@procura/testkit"

StorageConformance.suite("PGlite", SqlStorage.layerPglite())
FlowScenarios.suite("PGlite", SqlStorage.layerPglite())
