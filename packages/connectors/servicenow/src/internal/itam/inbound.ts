/**
 * The ITAM connector's inbound side: changes made in ServiceNow to mirrored `alm_hardware`
 * records, applied to Procura's assets through the asset operations.
 */
import { Assets, type Connector, Operation, Storage } from "@procura/core"
import { Effect, Option } from "effect"
import * as Fields from "../../Fields.js"
import * as Query from "../../Query.js"
import { type ApplyEnv, type Client, fieldText, type Mirror, pullSince, resolveBack } from "../mirror.js"
import { assetStatusOf, referenceRules } from "./mappings.js"
import { assetRecordOf, assetValues, type ItamConfig, kinds } from "./outbound.js"


/** An asset record as pulled. */
export interface AssetChange {
  readonly sysId: string
  /** The Procura asset id (the correlation field). */
  readonly assetId: string
  readonly installStatus: string
  readonly substatus: string
  readonly assignedTo: string
  readonly stockroom: string
  readonly location: string
  /** `sys_updated_on`, `yyyy-MM-dd HH:mm:ss` UTC. */
  readonly updatedOn: string
}

const fields = ["install_status", "substatus", "assigned_to", "stockroom", "location"]

/** Pulls the mirrored assets changed since the watermark. */
const pull = (client: Client) => (since: string | undefined, context: Connector.Context<ItamConfig>) =>
  Effect.gen(function*() {
    const correlation = context.config.correlationField
    const { records, watermark } = yield* pullSince(yield* client, "alm_hardware", {
      query: Query.make().where(correlation, "ISNOTEMPTY"),
      fields: [...fields, correlation],
      since,
      overlapSeconds: context.config.overlapSeconds
    })
    const changes = records.map((record): AssetChange => ({
      sysId: fieldText(record["sys_id"]),
      assetId: fieldText(record[correlation]),
      installStatus: fieldText(record["install_status"]),
      substatus: fieldText(record["substatus"]),
      assignedTo: fieldText(record["assigned_to"]),
      stockroom: fieldText(record["stockroom"]),
      location: fieldText(record["location"]),
      updatedOn: fieldText(record["sys_updated_on"])
    }))
    return { changes, watermark }
  })


/** The Procura storage space a stockroom stands for (`<location id>/<storage space>`), if mapped. */
const storageSpaceOf = (mirror: Mirror, stockroom: string) =>
  Effect.map(
    stockroom === "" ? Effect.succeed(Option.none<string>()) : mirror.links.procuraIdOf(kinds.stockroom, stockroom),
    Option.flatMap((key) => {
      const at = key.indexOf("/")
      return at < 0 ? Option.none() : Option.some({ locationId: key.slice(0, at), storageSpace: key.slice(at + 1) })
    })
  )

/** Applies one pulled change; see `Itam.conflictRule`. */
const apply = (client: Client) => (change: AssetChange, context: Connector.Context<ItamConfig>): Effect.Effect<void, unknown, ApplyEnv> =>
  Effect.gen(function*() {
    const config = context.config
    const mirror: Mirror = { connector: context.connectorId, client, links: context.links, correlationField: config.correlationField }
    // Only records this connector mirrored, under the mapping it recorded.
    const record = yield* assetRecordOf(mirror, change.assetId)
    if (Option.isNone(record) || record.value.sysId !== change.sysId) return
    const asset = yield* Operation.run(Assets.operations.getAsset)({ id: change.assetId })
    const changedAt = Fields.parseDateTime(change.updatedOn) ?? 0
    // 1. Procura's newer change wins (its event brings ServiceNow up to date).
    if (Date.parse(asset.updatedAt) > changedAt) return
    const status = assetStatusOf(change.installStatus, change.substatus)
    if (status === undefined) return
    const rules = referenceRules(config)
    const assignee = change.assignedTo === "" ? undefined : yield* resolveBack(mirror, rules.user, change.assignedTo)
    const space = yield* storageSpaceOf(mirror, change.stockroom)
    const reason = `changed in ServiceNow (${change.updatedOn} UTC)`
    const ids = [asset.id]
    let operation: Effect.Effect<unknown, unknown, ApplyEnv> | undefined
    if (status === "in_use") {
      if (asset.status === "in_use" && (assignee === undefined || asset.assignedTo === assignee)) return
      if (assignee !== undefined && asset.status === "in_stock") {
        operation = Operation.run(Assets.operations.assignAsset)({ assetId: asset.id, userId: assignee })
      }
    } else if (status === "in_stock") {
      if (Option.isNone(space)) {
        if (asset.status === "in_stock") return
      } else {
        const { locationId, storageSpace } = space.value
        if (asset.status === "in_stock") {
          if (asset.locationId === locationId && asset.storageSpace === storageSpace) return
          operation = Operation.run(Assets.operations.transferAssets)({ assetIds: ids, locationId, storageSpace, reason })
        } else if (asset.status === "in_use") {
          operation = Operation.run(Assets.operations.returnToStorage)({ assetIds: ids, locationId, storageSpace, reason })
        } else {
          operation = Operation.run(Assets.operations.changeStatus)({ assetIds: ids, status: "in_stock", locationId, storageSpace, reason })
        }
      }
    } else if (status === "in_maintenance" || status === "retired" || status === "missing") {
      if (asset.status === status) return
      operation = Operation.run(Assets.operations.changeStatus)({ assetIds: ids, status, reason })
    } else if (asset.status === status) {
      return
    }
    const applied = operation === undefined
      ? Option.none<string>()
      : yield* operation.pipe(
        Effect.as(Option.none<string>()),
        // 2. Procura's lifecycle rules win; a storage failure is retried by the next poll.
        Effect.catchIf((error) => !(error instanceof Storage.StorageError), (error) => Effect.succeed(Option.some(describe(error))))
      )
    if (operation !== undefined && Option.isNone(applied)) return
    // Refused, or no Procura operation makes this change: ServiceNow gets Procura's state back.
    yield* Effect.logWarning(
      `ServiceNow changed asset ${asset.id} (${change.sysId}) to install_status ${change.installStatus}; ` +
        `Procura keeps ${asset.status}: ${Option.getOrElse(applied, () => `no operation moves an asset from ${asset.status} to ${status}`)}`
    )
    const api = yield* client
    yield* api.patch(record.value.table, change.sysId, yield* assetValues(mirror, config, asset), { fields: ["sys_id"] })
  })

const describe = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error ? String((error as { message: unknown }).message) : String(error)

/** The inbound poller of the ITAM connector. */
export const inbound = (client: Client): Connector.Inbound<ItamConfig, AssetChange> => ({
  pull: pull(client),
  apply: apply(client)
})
