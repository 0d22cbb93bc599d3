/**
 * The ServiceNow SPM connector: the spm-oversight plugin's programs, projects and project tasks
 * (seed 001: Order Management driving projects in SPM) made real in ServiceNow SPM, and what
 * project managers change there brought back.
 *
 * **Outbound** (typed events, delivered at least once, pushed idempotently, parents always
 * before children):
 *
 * | Procura (spm-oversight) | ServiceNow SPM |
 * | --- | --- |
 * | program | `pm_program` |
 * | project (line, site or order project) | `pm_project`: `primary_program`, `parent` (a line project's site project), `top_task` |
 * | project task | `pm_project_task`: `parent` (its parent task, else the project), `top_task`, `order` |
 * | state | `state`: -5 pending, 1 open, 2 work in progress, 3 closed complete, 4 closed incomplete, 7 closed skipped |
 * | note of a project or project task | a `work_notes` (or `comments`) journal entry, once |
 *
 * Every record carries its Procura id in `external_id`, and the connector's mapping records hold
 * Procura id <-> sys_id. A new project goes with its whole task tree in one request
 * (`/api/now/ppm/insert_project_tasks`); tasks added later (decomposition), or left out by a
 * worker that died, go through the Batch API by depth, each level after its parents. Before
 * creating anything the connector looks it up by `external_id`, so a push repeated after a crash
 * updates and never duplicates, and a task is never created before its parent.
 *
 * **Inbound**: `pm_project` and `pm_project_task` records it mirrored and changed in SPM since the
 * watermark: a new state reaches Procura through the plugin's `setProjectState` as the
 * configured principal (with permissions, history, events and auto-closure). The newer change
 * wins (SPM's `sys_updated_on` against the record's last change in Procura); a state the plugin
 * refuses is logged and SPM gets Procura's state back.
 *
 * It needs the spm-oversight plugin enabled beside it.
 *
 * @since 0.3.0
 */
import { Connector } from "@procura/core"
import { z } from "zod"
import * as ConnectorError from "./ConnectorError.js"
import * as ConfigFields from "./internal/config.js"
import { type ClientSource, clientOf } from "./internal/mirror.js"
import { inbound, type StateChange } from "./internal/spm/inbound.js"
import { outbound, spmEvents } from "./internal/spm/outbound.js"
import * as MirrorError from "./MirrorError.js"

export type {
  /**
   * A state change as the connector pulls it.
   *
   * @since 0.3.0
   * @category models
   */
  StateChange
} from "./internal/spm/inbound.js"

/**
 * The connector's id.
 *
 * @since 0.3.0
 * @category constants
 */
export const id = "servicenow-spm"

/**
 * The connector's configuration (with `principal`, who SPM's changes are applied as: it needs
 * `spm-oversight/project.manage`, e.g. the role `it_project_manager`, and `drop`, as every
 * connector's).
 *
 * @since 0.3.0
 * @category models
 */
export const Config = z.strictObject({
  overlapSeconds: ConfigFields.overlapSeconds
})

/**
 * The configuration as a host writes it.
 *
 * @since 0.3.0
 * @category models
 */
export type ConfigInput = z.input<typeof Config>

/**
 * The responsibility the connector claims: mirroring the oversight projects to SPM (exclusive).
 *
 * @since 0.3.0
 * @category constants
 */
export const responsibilities = ["servicenow.spm.projects"] as const

export {
  /**
   * The events the connector pushes.
   *
   * @since 0.3.0
   * @category constants
   */
  spmEvents as subscribes
} from "./internal/spm/outbound.js"

/**
 * Options of {@link connector}.
 *
 * @since 0.3.0
 * @category options
 */
export interface Options {
  /**
   * The client: one built by the host, the options to build one, or, when omitted,
   * `SERVICENOW_*` configuration (`ServiceNowClient.config()`), read on first use.
   */
  readonly client?: ClientSource
}

/**
 * The SPM connector, to enable among the plugins beside spm-oversight:
 * `Connector.enable(Spm.connector({ client }), { principal })`.
 *
 * @since 0.3.0
 * @category constructors
 */
export const connector = (options: Options = {}): Connector.Connector<typeof id, z.output<typeof Config>, typeof spmEvents, StateChange> => {
  const client = clientOf(options.client)
  return Connector.make({
    id,
    version: "0.3.0",
    description: "Mirrors the spm-oversight plugin's programs, projects and project tasks to ServiceNow SPM; brings project managers' state changes back.",
    config: Config,
    responsibilities,
    subscribes: spmEvents,
    outbound: outbound(client),
    inbound: inbound(client),
    errors: [ConnectorError.family, MirrorError.family]
  })
}
