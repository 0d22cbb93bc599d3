/**
 * The plugin's validated configuration in the Effect context: the `OversightConfig` service
 * (templates, decision tables, field mappings, state mapping, properties), provided by the
 * plugin's layer, and {@link current}, which the operations read it with.
 */
import { Context, Effect, Layer, Option } from "effect"
import type { Config } from "../Config.js"

/** What the service holds: the validated configuration. */
export interface Shape extends Config {}

/** The validated configuration of the enabled plugin. */
export class OversightConfig extends Context.Service<OversightConfig, Shape>()("@procura/plugin-spm-oversight/OversightConfig") {
  /** The configuration as a layer: part of the plugin's contribution. */
  static readonly layer = (config: Config): Layer.Layer<OversightConfig> => Layer.succeed(OversightConfig, config)

  /**
   * The configuration in force. Operations keep their requirements to storage and the caller
   * (what every projection provides), so the service is read as an option: a run outside the
   * plugin's layer is a defect, not a typed failure.
   */
  static readonly current: Effect.Effect<Config> = Effect.flatMap(
    Effect.serviceOption(OversightConfig),
    Option.match({
      onNone: () => Effect.die(new Error("spm-oversight: no configuration in context; enable the plugin (Plugin.enable(spmOversight, config)) or provide OversightConfig.layer")),
      onSome: Effect.succeed
    })
  )
}
