import { Cli, Demo } from "@procura/cli"
import { BadInputProperty } from "@procura/testkit"
import { SqlStorage } from "../src/index.js"

BadInputProperty.suite("PGlite", SqlStorage.layerPglite(), { plugins: { installed: Cli.installedPlugins, config: Demo.demoConfig } })
