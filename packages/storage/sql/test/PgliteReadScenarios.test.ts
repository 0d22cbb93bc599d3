import { SqlStorage } from "@procura/storage-sql"
import { ReadScenarios } from "@procura/testkit"

ReadScenarios.suite("PGlite", SqlStorage.layerPglite())
