import { MemoryStorage } from "@procura/storage-memory"
import { RevisionScenarios } from "@procura/testkit"
import { AssetLifecycleScenarios, CatalogImportScenarios, DeliveryScenarios, FlowScenarios, LicensingScenarios, StockScenarios, StorageConformance } from "@procura/testkit"
import { EventContract, InvoicingScenarios } from "@procura/testkit"
import { ReceivingScenarios } from "@procura/testkit"

StorageConformance.suite("memory", MemoryStorage.layer())
FlowScenarios.suite("memory", MemoryStorage.layer())
DeliveryScenarios.suite("memory", MemoryStorage.layer())
StockScenarios.suite("memory", MemoryStorage.layer())
InvoicingScenarios.suite("memory", MemoryStorage.layer())
LicensingScenarios.suite("memory", MemoryStorage.layer())
AssetLifecycleScenarios.suite("memory", MemoryStorage.layer())
CatalogImportScenarios.suite("memory", MemoryStorage.layer())
RevisionScenarios.suite("memory", MemoryStorage.layer())
ReceivingScenarios.suite("memory", MemoryStorage.layer())
EventContract.suite("memory", MemoryStorage.layer())
