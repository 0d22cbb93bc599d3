// The Coupa connectors on memory storage (ConnectorsPostgres.test.ts runs the same suite on PostgreSQL).
import { MemoryStorage } from "@procura/storage-memory"
import { suite } from "./connectors.js"

suite("memory", () => MemoryStorage.layer())
