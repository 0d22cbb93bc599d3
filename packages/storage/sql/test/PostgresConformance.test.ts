import { describe } from "@effect/vitest"
import { AssetLifecycleScenarios, CatalogImportScenarios, DeliveryScenarios, FlowScenarios, LicensingScenarios, StockScenarios, StorageConformance } from "@procura/testkit"
import { EventContract, InvoicingScenarios } from "@procura/testkit"
import { RevisionScenarios } from "@procura/testkit"
import { ReceivingScenarios } from "@procura/testkit"
import { layerFreshPostgres, postgresEnabled } from "./utils.js"

describe.skipIf(!postgresEnabled)("PostgreSQL (PROCURA_SKIP_POSTGRES=1 skips)", () => {
  StorageConformance.suite("PostgreSQL", layerFreshPostgres())
  FlowScenarios.suite("PostgreSQL", layerFreshPostgres())
  DeliveryScenarios.suite("PostgreSQL", layerFreshPostgres())
  StockScenarios.suite("PostgreSQL", layerFreshPostgres())
  InvoicingScenarios.suite("PostgreSQL", layerFreshPostgres())
  LicensingScenarios.suite("PostgreSQL", layerFreshPostgres())
  AssetLifecycleScenarios.suite("PostgreSQL", layerFreshPostgres())
  CatalogImportScenarios.suite("PostgreSQL", layerFreshPostgres())
  RevisionScenarios.suite("PostgreSQL", layerFreshPostgres())
  ReceivingScenarios.suite("PostgreSQL", layerFreshPostgres())
  EventContract.suite("PostgreSQL", layerFreshPostgres())
})

// The same suites with row-level security on, as a role that is not a superuser: the policies
// must never hide from the adapter what its tenant filter admits.
describe.skipIf(!postgresEnabled)("PostgreSQL with row-level security (PROCURA_SKIP_POSTGRES=1 skips)", () => {
  StorageConformance.suite("PostgreSQL with row-level security", layerFreshPostgres({ rowLevelSecurity: true }))
  FlowScenarios.suite("PostgreSQL with row-level security", layerFreshPostgres({ rowLevelSecurity: true }))
  DeliveryScenarios.suite("PostgreSQL with row-level security", layerFreshPostgres({ rowLevelSecurity: true }))
  StockScenarios.suite("PostgreSQL with row-level security", layerFreshPostgres({ rowLevelSecurity: true }))
})
