import { MemoryStorage } from "@procura/storage-memory"
import { readsSuite } from "./reads.js"
import { flowSuite } from "./scenarios.js"

flowSuite("memory", MemoryStorage.layer())
readsSuite("memory", MemoryStorage.layer())
