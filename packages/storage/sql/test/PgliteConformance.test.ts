import { SqlStorage } from "@procura/storage-sql"
import { AssetLifecycleScenarios, CatalogImportScenarios, DeliveryScenarios, FlowScenarios, LicensingScenarios, StockScenarios, StorageConformance } from "@procura/testkit"
import { EventContract, InvoicingScenarios } from "@procura/testkit"
import { RevisionScenarios } from "@procura/testkit"
import { ReceivingScenarios } from "@procura/testkit"

StorageConformance.suite("PGlite", SqlStorage.layerPglite())
FlowScenarios.suite("PGlite", SqlStorage.layerPglite())
DeliveryScenarios.suite("PGlite", SqlStorage.layerPglite())
StockScenarios.suite("PGlite", SqlStorage.layerPglite())
InvoicingScenarios.suite("PGlite", SqlStorage.layerPglite())
LicensingScenarios.suite("PGlite", SqlStorage.layerPglite())
AssetLifecycleScenarios.suite("PGlite", SqlStorage.layerPglite())
CatalogImportScenarios.suite("PGlite", SqlStorage.layerPglite())
RevisionScenarios.suite("PGlite", SqlStorage.layerPglite())
ReceivingScenarios.suite("PGlite", SqlStorage.layerPglite())
EventContract.suite("PGlite", SqlStorage.layerPglite())
