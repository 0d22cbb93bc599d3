// The SPM connector on PostgreSQL (127.0.0.1:5432 unless PROCURA_TEST_DATABASE_URL says otherwise),
// in a database created for the run and dropped after it. PROCURA_SKIP_POSTGRES=1 skips it.
import { describe } from "@effect/vitest"
import { PostgresTesting } from "@procura/storage-sql"
import { spmSuite } from "./spm.js"

describe.skipIf(process.env["PROCURA_SKIP_POSTGRES"] === "1")("PostgreSQL (PROCURA_SKIP_POSTGRES=1 skips)", () => {
  spmSuite("PostgreSQL", () => PostgresTesting.layerFresh())
})
