// The SPO connector on memory storage (SpoPostgres.test.ts runs the same suite on PostgreSQL).
import { MemoryStorage } from "@procura/storage-memory"
import { spoSuite } from "./spo.js"

spoSuite("memory", () => MemoryStorage.layer())
