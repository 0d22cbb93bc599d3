// The SPM connector on memory storage (SpmPostgres.test.ts runs the same suite on PostgreSQL).
import { MemoryStorage } from "@procura/storage-memory"
import { spmSuite } from "./spm.js"

spmSuite("memory", () => MemoryStorage.layer())
