import { MemoryStorage } from "@procura/storage-memory"
import { flowSuite } from "./scenarios.js"

flowSuite("memory", MemoryStorage.layer())
