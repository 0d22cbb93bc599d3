import { describe } from "@effect/vitest"
import { ReadScenarios } from "@procura/testkit"
import { layerFreshPostgres, postgresEnabled } from "./utils.js"

describe.skipIf(!postgresEnabled)("PostgreSQL (PROCURA_SKIP_POSTGRES=1 skips)", () => {
  ReadScenarios.suite("PostgreSQL", layerFreshPostgres())
})
