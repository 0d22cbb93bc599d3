// The ITAM connector on memory storage (ItamPostgres.test.ts runs the same suite on PostgreSQL).
import { MemoryStorage } from "@procura/storage-memory"
import { itamSuite } from "./itam.js"

itamSuite("memory", () => MemoryStorage.layer())
