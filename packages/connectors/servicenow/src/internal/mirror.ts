/**
 * What the ITAM and SPO connectors share: the client they push with, idempotent upserts by
 * correlation id and mapping records, and references resolved to sys_ids.
 */
import type { Connector, Storage } from "@procura/core"
import type { Principal, Procura } from "@procura/core"
import { Effect, Option, Stream } from "effect"
import * as Batch from "../Batch.js"
import { ConnectorError } from "../ConnectorError.js"
import { parseDateTime } from "../Fields.js"
import { MirrorError } from "../MirrorError.js"
import * as Query from "../Query.js"
import * as ServiceNowClient from "../ServiceNowClient.js"

/**
 * Where a connector's client comes from: a client built by the host, the options to build one
 * (on `fetch`), or, when omitted, `SERVICENOW_*` configuration (`ServiceNowClient.config()`).
 */
export type ClientSource = ServiceNowClient.ServiceNowClientService | ServiceNowClient.ClientOptions

const isService = (source: ClientSource): source is ServiceNowClient.ServiceNowClientService => "list" in source && typeof source.list === "function"

/** The client, built once on first use. */
export const clientOf = (source: ClientSource | undefined): Effect.Effect<ServiceNowClient.ServiceNowClientService, ConnectorError> => {
  if (source !== undefined && isService(source)) return Effect.succeed(source)
  let built: ServiceNowClient.ServiceNowClientService | undefined
  const layer = source === undefined ? ServiceNowClient.layerConfig() : ServiceNowClient.layer(source)
  return Effect.suspend(() =>
    built !== undefined ? Effect.succeed(built) : Effect.flatMap(ServiceNowClient.ServiceNowClient, Effect.succeed).pipe(
      Effect.provide(layer),
      Effect.mapError((error) =>
        error instanceof ConnectorError ? error : new ConnectorError({
          reason: "Invalid",
          retryable: false,
          operation: "ServiceNowClient.config",
          message: `ServiceNow client configuration: ${error.message}`,
          cause: error
        })
      ),
      Effect.tap((client) => Effect.sync(() => void (built = client)))
    )
  )
}

/** A connector's means to mirror records. */
export interface Mirror {
  readonly connector: string
  readonly client: Effect.Effect<ServiceNowClient.ServiceNowClientService, ConnectorError>
  readonly links: Connector.Links
  /** The field holding the Procura id on every mirrored table. */
  readonly correlationField: string
}

/** A record to mirror: its Procura id (the correlation id) and the fields to write. */
export interface Row {
  readonly procuraId: string
  readonly values: ServiceNowClient.Values
}

/** What the connectors' handlers run with. */
export type Env = Storage.Storage | Principal.CurrentPrincipal

/** What the connectors' inbound appliers run with: operations too. */
export type ApplyEnv = Env | Procura.Services

/** The client, built on first use (see {@link clientOf}). */
export type Client = Effect.Effect<ServiceNowClient.ServiceNowClientService, ConnectorError>

type Failure = ConnectorError | MirrorError | Connector.MappingConflict | Storage.StorageError

const sysIdOf = (record: ServiceNowClient.ServiceNowRecord): string => {
  const value = record["sys_id"]
  return typeof value === "string" ? value : value?.value ?? ""
}

const text = (value: ServiceNowClient.ServiceNowRecord[string] | undefined): string =>
  typeof value === "string" ? value : value?.value ?? ""

/**
 * Creates or updates records so each Procura id is one record of the table, however often it is
 * pushed: a mapped record is patched; an unmapped one is looked for by correlation id (a create
 * whose mapping was lost to a crash) and patched, or created; the mapping is recorded. Unmapped
 * rows are looked up together (one list call per 100).
 */
export const upsertAll = (
  mirror: Mirror,
  kind: string,
  table: string,
  rows: ReadonlyArray<Row>
): Effect.Effect<ReadonlyArray<string>, Failure, Env> =>
  Effect.gen(function*() {
    if (rows.length === 0) return []
    const client = yield* mirror.client
    const field = mirror.correlationField
    const mapping = yield* mirror.links.externalIdsOf(kind, rows.map((row) => row.procuraId))
    const unlinked = rows.filter((row) => !mapping.has(row.procuraId)).map((row) => row.procuraId)
    const found = new Map<string, string>()
    for (let i = 0; i < unlinked.length; i += 100) {
      const ids = unlinked.slice(i, i + 100)
      const query = ids.length === 1 ? Query.make().where(field, "=", ids[0]!) : Query.make().where(field, "IN", ids)
      const existing = yield* Stream.runCollect(client.list(table, { query, fields: ["sys_id", field], count: false }))
      for (const record of existing) {
        const id = text(record[field])
        if (!found.has(id)) found.set(id, sysIdOf(record))
      }
    }
    const vanished = (row: Row, sysId: string) =>
      new MirrorError({
        reason: "Vanished",
        connector: mirror.connector,
        table,
        record: `${kind} ${row.procuraId}`,
        retryable: false,
        message: `The ${table} record ${sysId} that ${kind} ${row.procuraId} is mapped to no longer exists in ServiceNow; ` +
          `restore it, or remove the mapping, then replay the event`
      })
    /** Each row's write: a patch of the record it is (mapped, or found by correlation id), or a create. */
    const writes = rows.map((row) => {
      const known = mapping.get(row.procuraId)
      if (known !== undefined) return { row, sysId: known, mapped: true } as const
      const existing = found.get(row.procuraId)
      return existing !== undefined ? { row, sysId: existing, mapped: false } as const : { row, sysId: undefined, mapped: false } as const
    })
    const ids: Array<string> = []
    if (writes.length === 1) {
      const { mapped: isMapped, row, sysId } = writes[0]!
      if (sysId !== undefined) {
        yield* client.patch(table, sysId, row.values, { fields: ["sys_id"] }).pipe(
          Effect.catchIf((error) => error.reason === "NotFound" && isMapped, () => Effect.fail(vanished(row, sysId)))
        )
        ids.push(sysId)
      } else {
        ids.push(sysIdOf(yield* client.create(table, { ...row.values, [field]: row.procuraId }, { fields: ["sys_id"] })))
      }
    } else {
      // Several writes: through the Batch API, 100 to a call (one request against the rate limit).
      for (let start = 0; start < writes.length; start += 100) {
        const chunk = writes.slice(start, start + 100)
        const result = yield* client.batch(chunk.map(({ row, sysId }, j) =>
          sysId !== undefined
            ? Batch.patch(table, sysId, row.values, { id: String(j) })
            : Batch.create(table, { ...row.values, [field]: row.procuraId }, { id: String(j) })
        ))
        if (result.unserviced.length > 0) {
          return yield* new ConnectorError({
            reason: "Unavailable",
            retryable: true,
            operation: "Batch.execute",
            message: `Batch.execute: the instance left ${result.unserviced.length} of ${chunk.length} ${table} writes unserviced`
          })
        }
        const items = new Map(result.items.map((item) => [item.id, item]))
        for (const [j, write] of chunk.entries()) {
          const item = items.get(String(j))!
          if (!item.ok) {
            if (item.status === 404 && write.mapped) return yield* vanished(write.row, write.sysId!)
            return yield* item.error ?? new ConnectorError({
              reason: "Invalid",
              retryable: false,
              operation: "Batch.execute",
              message: `Batch.execute: writing ${table} for ${kind} ${write.row.procuraId} failed with ${item.status}`
            })
          }
          const written = Batch.resultOf(item)
          const sysId = write.sysId ?? (typeof written === "object" && written !== null ? sysIdOf(written as ServiceNowClient.ServiceNowRecord) : "")
          if (sysId === "") {
            return yield* new ConnectorError({
              reason: "Invalid",
              retryable: false,
              operation: "Batch.execute",
              message: `Batch.execute: the instance created a ${table} record for ${kind} ${write.row.procuraId} without answering its sys_id`
            })
          }
          ids.push(sysId)
        }
      }
    }
    // The mapping records of what was not mapped yet.
    yield* mirror.links.linkAll(kind, writes.flatMap((write, i) => (write.mapped ? [] : [[write.row.procuraId, ids[i]!] as const])))
    return ids
  })

/** {@link upsertAll} for one record; gives its sys_id. */
export const upsert = (mirror: Mirror, kind: string, table: string, row: Row): Effect.Effect<string, Failure, Env> =>
  Effect.map(upsertAll(mirror, kind, table, [row]), (ids) => ids[0]!)

/** The sys_id a Procura record is mapped to, or `NotMirrored` (retryable: it may be on its way). */
export const mapped = (mirror: Mirror, kind: string, table: string, procuraId: string): Effect.Effect<string, Failure, Env> =>
  Effect.flatMap(mirror.links.externalIdOf(kind, procuraId), (sysId) =>
    Option.isSome(sysId) ? Effect.succeed(sysId.value) : Effect.fail(
      new MirrorError({
        reason: "NotMirrored",
        connector: mirror.connector,
        table,
        record: `${kind} ${procuraId}`,
        retryable: true,
        message: `${kind} ${procuraId} has not been mirrored to ${table} yet; it is needed first`
      })
    ))

/** How a reference to another table is resolved: a Procura value matched against a field there. */
export interface ReferenceRule {
  /** The mapping kind the resolution is remembered under (`user`, `location`, ...). */
  readonly kind: string
  readonly table: string
  /** The field of `table` holding the Procura value (`user_name`, `name`). */
  readonly field: string
}

/**
 * The sys_id a Procura value (a user id, a location id) refers to: its mapping record, else the
 * record of the rule's table whose field equals it (then mapped); `undefined` when there is none,
 * and the reference is left empty.
 */
export const resolve = (mirror: Mirror, rule: ReferenceRule, value: string | undefined): Effect.Effect<string | undefined, Failure, Env> =>
  Effect.gen(function*() {
    if (value === undefined || value === "") return undefined
    const linked = yield* mirror.links.externalIdOf(rule.kind, value)
    if (Option.isSome(linked)) return linked.value
    const client = yield* mirror.client
    const [record] = yield* Stream.runCollect(
      client.list(rule.table, { query: Query.make().where(rule.field, "=", value), fields: ["sys_id"], pageSize: 1, count: false }).pipe(
        Stream.take(1)
      )
    )
    if (record === undefined) {
      yield* Effect.logDebug(`no ${rule.table} record has ${rule.field} = ${value}; the reference is left empty`)
      return undefined
    }
    const sysId = sysIdOf(record)
    yield* mirror.links.link(rule.kind, value, sysId)
    return sysId
  })

/** The Procura value a sys_id of the rule's table stands for (its mapping, else its field). */
export const resolveBack = (mirror: Mirror, rule: ReferenceRule, sysId: string): Effect.Effect<string | undefined, Failure, Env> =>
  Effect.gen(function*() {
    if (sysId === "") return undefined
    const linked = yield* mirror.links.procuraIdOf(rule.kind, sysId)
    if (Option.isSome(linked)) return linked.value
    const client = yield* mirror.client
    const record = yield* client.get(rule.table, sysId, { fields: [rule.field] }).pipe(
      Effect.map(Option.some),
      Effect.catchIf((error) => error.reason === "NotFound", () => Effect.succeed(Option.none()))
    )
    const value = Option.isSome(record) ? text(record.value[rule.field]) : ""
    if (value === "") return undefined
    yield* mirror.links.link(rule.kind, value, sysId)
    return value
  })

/** A field value as a string (actual value of a reference object). */
export const fieldText = text

/**
 * The record a Procura record is: its mapping; else a record of the table whose `match` field has
 * the given value and that is not mapped to another Procura record (a company that exists
 * already), adopted with `values` written to it; else a new one (see {@link upsertAll}).
 */
export const adopt = (
  mirror: Mirror,
  kind: string,
  table: string,
  procuraId: string,
  match: { readonly field: string; readonly value: string },
  values: ServiceNowClient.Values
): Effect.Effect<string, Failure, Env> =>
  Effect.gen(function*() {
    const linked = yield* mirror.links.externalIdOf(kind, procuraId)
    if (Option.isSome(linked)) return linked.value
    const client = yield* mirror.client
    const candidates = yield* Stream.runCollect(
      client.list(table, { query: Query.make().where(match.field, "=", match.value), fields: ["sys_id"], pageSize: 10, count: false }).pipe(Stream.take(10))
    )
    for (const candidate of candidates) {
      const sysId = sysIdOf(candidate)
      if (Option.isSome(yield* mirror.links.procuraIdOf(kind, sysId))) continue
      yield* client.patch(table, sysId, values, { fields: ["sys_id"] })
      yield* mirror.links.link(kind, procuraId, sysId)
      return sysId
    }
    return yield* upsert(mirror, kind, table, { procuraId, values: { ...values, [match.field]: match.value } })
  })

/** A pull of a table's records changed since a watermark (`<sys_updated_on>|<sys_id>`). */
export interface Pulled {
  readonly records: ReadonlyArray<ServiceNowClient.ServiceNowRecord>
  /** The watermark after them (never before the one pulled from). */
  readonly watermark: string
}

/**
 * The records of a table matching `query` changed since the watermark, oldest first, by keyset on
 * `sys_updated_on` and sys_id. Each pull reads `overlapSeconds` before the watermark again: a
 * record updated in the watermark's second with a lower sys_id is not lost (applying changes is
 * idempotent, so reading one again is harmless).
 */
export const pullSince = (
  client: ServiceNowClient.ServiceNowClientService,
  table: string,
  options: {
    readonly query: Query.Query
    readonly fields: ReadonlyArray<string>
    readonly since: string | undefined
    readonly overlapSeconds: number
  }
): Effect.Effect<Pulled, ConnectorError> =>
  Effect.gen(function*() {
    const at = options.since === undefined ? -1 : options.since.lastIndexOf("|")
    const lastValue = at < 0 ? undefined : options.since!.slice(0, at)
    const lastMillis = lastValue === undefined ? undefined : parseDateTime(lastValue)
    const after = lastMillis === undefined
      ? undefined
      : { value: Query.formatDateTime(new Date(lastMillis - options.overlapSeconds * 1000)), sysId: "" }
    const records = yield* Stream.runCollect(client.list(table, {
      query: options.query.orderBy("sys_updated_on"),
      fields: [...new Set(["sys_id", "sys_updated_on", ...options.fields])],
      count: false,
      ...(after === undefined ? {} : { after })
    }))
    const newest = records.at(-1)
    const reached = newest === undefined ? undefined : `${text(newest["sys_updated_on"])}|${sysIdOf(newest)}`
    const watermark = reached === undefined || (options.since !== undefined && reached <= options.since) ? options.since ?? "" : reached
    return { records, watermark }
  })
