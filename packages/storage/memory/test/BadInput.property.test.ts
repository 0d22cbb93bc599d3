import { Cli, Demo } from "@procura/cli"
import { MemoryStorage } from "@procura/storage-memory"
import { BadInputProperty } from "@procura/testkit"

BadInputProperty.suite("memory", MemoryStorage.layer(), { plugins: { installed: Cli.installedPlugins, config: Demo.demoConfig } })
