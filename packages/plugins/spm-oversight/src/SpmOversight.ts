/**
 * The spm-oversight plugin: seed 001's Order Management integration with Strategic Portfolio
 * Management, switched on and shaped by data.
 *
 * ```ts
 * import { Plugin } from "@procura/core"
 * import { spmOversight } from "@procura/plugin-spm-oversight"
 *
 * const procura = createProcura({ storage, plugins: [Plugin.enable(spmOversight, config)] })
 * await procura.run("spm-oversight.approveOrderLines", { orderId }, { principal: manager })
 * ```
 *
 * Enabled, it stores orders and projects in collections of its own, adds the oversight
 * operations (and the `Oversight` service), and declares its permissions with seed 001's roles.
 * It holds the `project-oversight` responsibility.
 *
 * @since 0.1.0
 */
import { Plugin, Procura, type Storage } from "@procura/core"
import { Layer } from "effect"
import * as Config from "./Config.js"
import * as OversightError from "./OversightError.js"
import * as OversightEvents from "./OversightEvents.js"
import { OversightConfig } from "./internal/config.js"
import { operations } from "./internal/operations/index.js"
import { collections, Oversight } from "./Oversight.js"
import { permissions } from "./Roles.js"

/**
 * The plugin.
 *
 * @since 0.1.0
 * @category plugins
 */
export const spmOversight: Plugin.Plugin<"spm-oversight", Config.Config> = Plugin.make({
  id: "spm-oversight",
  version: "0.1.0",
  description: "Seed 001: project oversight of order fulfilment (Order Management with SPM): decision tables, templates, programs, " +
    "site projects, line projects and tasks, state and notes sync, reuse and auto-closure properties.",
  config: Config.Config,
  responsibilities: ["project-oversight"],
  errors: [OversightError.family, OversightError.eventFamily],
  events: OversightEvents.events,
  contribute: (config) => ({
    collections,
    // The operations read the configuration from the context; the layer provides it.
    operations,
    layer: Layer.merge(OversightConfig.layer(config), Oversight.layer(config)),
    permissions
  })
})

/**
 * Procura's layer with this plugin enabled (and any others), typed with the `Oversight`
 * service the plugin provides, for Effect hosts and tests.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  config: Config.ConfigInput,
  others: ReadonlyArray<Plugin.Enabled> = []
): Layer.Layer<Procura.Services | Oversight, Storage.StorageError | Plugin.PluginError, Storage.Storage> =>
  // The plugin's contribution always provides Oversight; layerWith's type only knows the core's services.
  Procura.layerWith({ plugins: [Plugin.enable(spmOversight, config), ...others] }) as Layer.Layer<
    Procura.Services | Oversight,
    Storage.StorageError | Plugin.PluginError,
    Storage.Storage
  >
