import { describe } from "@effect/vitest"
import { DeliveryScenarios, FlowScenarios, StockScenarios, StorageConformance } from "@procura/testkit"
import { layerFreshPostgres, postgresEnabled } from "./utils.js"

describe.skipIf(!postgresEnabled)("PostgreSQL (PROCURA_SKIP_POSTGRES=1 skips)", () => {
  StorageConformance.suite("PostgreSQL", layerFreshPostgres())
  FlowScenarios.suite("PostgreSQL", layerFreshPostgres())
  DeliveryScenarios.suite("PostgreSQL", layerFreshPostgres())
  StockScenarios.suite("PostgreSQL", layerFreshPostgres())
})
