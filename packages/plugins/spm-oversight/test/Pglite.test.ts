// Seed 001's flow on embedded PGlite: the same scenarios as on memory, through the SQL adapter.
import { SqlStorage } from "@procura/storage-sql"
import { readsSuite } from "./reads.js"
import { flowSuite } from "./scenarios.js"

flowSuite("PGlite", SqlStorage.layerPglite())
readsSuite("PGlite", SqlStorage.layerPglite())
