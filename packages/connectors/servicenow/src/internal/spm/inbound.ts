/**
 * The SPM connector's inbound side: state changes project managers make in SPM to mirrored
 * projects and project tasks, applied through the spm-oversight plugin's `setProjectState` (so
 * permissions, history, events and auto-closure apply).
 */
import { type Connector, type Principal, Storage } from "@procura/core"
import { Projects } from "@procura/plugin-spm-oversight"
import { Effect, Option } from "effect"
import * as Fields from "../../Fields.js"
import * as Query from "../../Query.js"
import { type Client, fieldText, pullSince } from "../mirror.js"
import { correlationField, kinds, oversight, type SpmConfig } from "./outbound.js"

/** A state change pulled from SPM. */
export interface StateChange {
  readonly table: "pm_project" | "pm_project_task"
  readonly sysId: string
  /** The Procura id (`external_id`). */
  readonly procuraId: string
  /** SPM's state value (-5, 1, 2, 3, 4, 7). */
  readonly state: string
  /** `sys_updated_on`, `yyyy-MM-dd HH:mm:ss` UTC. */
  readonly updatedOn: string
}

const tables = ["pm_project_task", "pm_project"] as const

const readWatermarks = (since: string | undefined): Partial<Record<typeof tables[number], string>> => {
  if (since === undefined) return {}
  try {
    return JSON.parse(since) as Partial<Record<typeof tables[number], string>>
  } catch {
    return {}
  }
}

/** Pulls the mirrored projects and project tasks changed since the watermarks (JSON of both). */
const pull = (client: Client) => (since: string | undefined, context: Connector.Context<SpmConfig>) =>
  Effect.gen(function*() {
    const api = yield* client
    const marks = readWatermarks(since)
    const changes: Array<StateChange> = []
    const next: Record<string, string> = {}
    for (const table of tables) {
      const { records, watermark } = yield* pullSince(api, table, {
        query: Query.make().where(correlationField, "ISNOTEMPTY"),
        fields: ["state", correlationField],
        since: marks[table],
        overlapSeconds: context.config.overlapSeconds
      })
      next[table] = watermark
      for (const record of records) {
        changes.push({
          table,
          sysId: fieldText(record["sys_id"]),
          procuraId: fieldText(record[correlationField]),
          state: fieldText(record["state"]),
          updatedOn: fieldText(record["sys_updated_on"])
        })
      }
    }
    return { changes, watermark: JSON.stringify(next) }
  })

const stateOf = (value: string): Projects.ProjectState | undefined =>
  (Object.entries(Projects.stateValues) as ReadonlyArray<[Projects.ProjectState, number]>).find(([, n]) => String(n) === value.trim())?.[0]

const describe = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error ? String((error as { message: unknown }).message) : String(error)

/**
 * Applies one change, to records this connector mirrored only (under the mapping it recorded).
 * The conflict rule: the newer change wins. SPM's state is applied unless the Procura record
 * changed in a later second than SPM's `sys_updated_on` (SPM keeps whole seconds; within one
 * second, SPM's change wins); otherwise Procura's change, newer, goes out with its own event. A state the plugin refuses (an unknown value, a task already so) is logged and
 * SPM gets Procura's state back.
 */
const apply = (client: Client) => (change: StateChange, context: Connector.Context<SpmConfig>): Effect.Effect<void, unknown, Storage.Storage | Principal.CurrentPrincipal> =>
  Effect.gen(function*() {
    const kind = change.table === "pm_project" ? kinds.project : kinds.projectTask
    const linked = yield* context.links.procuraIdOf(kind, change.sysId)
    if (Option.isNone(linked) || linked.value !== change.procuraId) return
    const plugin = yield* oversight
    const record = change.table === "pm_project"
      ? yield* plugin.getProject({ id: change.procuraId })
      : yield* plugin.getProjectTask({ id: change.procuraId })
    const state = stateOf(change.state)
    if (state === record.state) return
    // SPM keeps whole seconds: within one second SPM's change (a person's) wins.
    if (Math.floor(Date.parse(record.updatedAt) / 1000) * 1000 > (Fields.parseDateTime(change.updatedOn) ?? 0)) return
    const refused = state === undefined
      ? Option.some(`${change.state} is not a project state`)
      : yield* plugin.setProjectState({ type: kind, id: record.id, state }).pipe(
        Effect.as(Option.none<string>()),
        // Refused by the plugin's rules; a storage failure is retried by the next poll.
        Effect.catchIf((error) => !(error instanceof Storage.StorageError), (error) => Effect.succeed(Option.some(describe(error))))
      )
    if (Option.isNone(refused)) return
    yield* Effect.logWarning(`SPM changed ${change.table} ${change.sysId} to state ${change.state}; Procura keeps ${record.state}: ${refused.value}`)
    const api = yield* client
    yield* api.patch(change.table, change.sysId, { state: Projects.stateValues[record.state] }, { fields: ["sys_id"] })
  })

/** The inbound poller of the SPM connector. */
export const inbound = (client: Client): Connector.Inbound<SpmConfig, StateChange> => ({ pull: pull(client), apply: apply(client) })
