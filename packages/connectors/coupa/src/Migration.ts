/**
 * Moving between the two Coupa connectors as a checked, repeatable command instead of a
 * checklist (seed 000: "If you choose to install the better together application, complete the
 * following steps"). `procura connectors plan --from sam-coupa --to spo-coupa` prints {@link plan};
 * `--apply` runs {@link apply}, which is idempotent: run twice, the second run changes nothing.
 *
 * Supported: from `sam-coupa` (Coupa is the system of record) to `spo-coupa` (Procura is).
 *
 * @since 0.1.0
 */
import { Connector, type Principal, type Procura, type Storage } from "@procura/core"
import { Clock, Effect, Option } from "effect"
import type * as CoupaClient from "./CoupaClient.js"
import type { CoupaError } from "./CoupaError.js"
import { pending, retired, retiredPrefix } from "./internal/sam.js"
import { clientOf, idOf, kinds, textOf } from "./internal/sync.js"
import * as SamCoupa from "./SamCoupa.js"
import * as SpoCoupa from "./SpoCoupa.js"
import { SyncError } from "./SyncError.js"

/**
 * One step: what seed 000 has a person do in ServiceNow, what Procura does instead, and whether
 * it is done.
 *
 * @since 0.1.0
 * @category models
 */
export interface Step {
  readonly seed: string
  readonly procura: string
  readonly done: boolean
}

/**
 * The migration as it stands for the current tenant.
 *
 * @since 0.1.0
 * @category models
 */
export interface Plan {
  readonly from: string
  readonly to: string
  readonly steps: ReadonlyArray<Step>
  /** What `from` imported that `to` must know as already in Coupa, and how much of it `to` knows. */
  readonly records: Readonly<Record<"suppliers" | "orders" | "lines" | "receipts", { readonly imported: number; readonly linked: number }>>
  /** Coupa records `from` has not taken yet (orders by number, receipts by id): they block the apply. */
  readonly pending: { readonly orders: ReadonlyArray<string>; readonly receipts: ReadonlyArray<number> }
  /** Whether every step is done. */
  readonly migrated: boolean
}

/**
 * What an apply did.
 *
 * @since 0.1.0
 * @category models
 */
export interface Applied {
  readonly plan: Plan
  /** What this run changed, one line each; empty when it had nothing to do. */
  readonly changed: ReadonlyArray<string>
}

/**
 * Options of {@link plan} and {@link apply}.
 *
 * @since 0.1.0
 * @category options
 */
export interface Options {
  readonly from: string
  readonly to: string
  /** The Coupa client (as the connectors take it; `COUPA_*` configuration when omitted). */
  readonly client?: CoupaClient.CoupaClientService | CoupaClient.ClientOptions
}

const supported = { from: SamCoupa.id, to: SpoCoupa.id } as const

const checkDirection = (options: Options) =>
  options.from === supported.from && options.to === supported.to
    ? Effect.void
    : Effect.fail(new SyncError({
      reason: "NotMigrated",
      connector: options.from,
      record: `${options.from} -> ${options.to}`,
      retryable: false,
      message: `No migration from ${options.from} to ${options.to}; supported: --from ${supported.from} --to ${supported.to}`
    }))

/** The kinds carried from sam-coupa's mapping records to spo-coupa's, by what they count. */
const carried = [
  ["suppliers", kinds.supplier],
  ["orders", kinds.purchaseOrder],
  ["lines", kinds.purchaseOrderLine],
  ["receipts", kinds.receiptLine]
] as const

/**
 * The migration's steps for the current tenant, and how far it got. Reads Procura's storage and
 * lists what Coupa still holds for the old connector; changes nothing.
 *
 * @since 0.1.0
 * @category constructors
 */
export const plan = (options: Options): Effect.Effect<Plan, SyncError | CoupaError | Storage.StorageError, Storage.Storage | Principal.CurrentPrincipal> =>
  Effect.gen(function*() {
    yield* checkDirection(options)
    const from = Connector.links(options.from)
    const to = Connector.links(options.to)
    const records = {} as Record<"suppliers" | "orders" | "lines" | "receipts", { imported: number; linked: number }>
    for (const [name, kind] of carried) {
      const imported = yield* from.list(kind)
      const known = yield* to.externalIdsOf(kind, imported.map((link) => link.procuraId))
      records[name] = { imported: imported.length, linked: imported.filter((link) => known.get(link.procuraId) === link.externalId).length }
    }
    const watermark = yield* Connector.watermarkOf(options.from)
    const retiredAlready = Option.isSome(watermark) && watermark.value.startsWith(retiredPrefix)
    const waiting = retiredAlready ? { orders: [], receipts: [] } : yield* pending(clientOf(options.client))
    const pendingOf = {
      orders: waiting.orders.map((record) => textOf(record["po-number"])),
      receipts: waiting.receipts.flatMap((record) => (idOf(record) === undefined ? [] : [idOf(record)!]))
    }
    const linked = carried.every(([name]) => records[name].linked === records[name].imported)
    const steps: ReadonlyArray<Step> = [
      {
        seed: "Stop the \"Create a Requisition\" business rule from triggering on proc_po when the status changes to Ordered.",
        procura: `Nothing in Procura turns ordered purchase orders into requisitions: ${options.from} imports Coupa's orders, ${options.to} pushes Procura's. ` +
          `The responsibilities coupa.purchase-orders and coupa.receipts move from ${options.from} to ${options.to}.`,
        done: retiredAlready
      },
      {
        seed: "Restrict new itam_procurement_integration_job scheduled jobs and retire the daily ones.",
        procura: `${options.from}'s pull (Coupa orders and receipts with exported=false) runs a last time and must leave nothing behind ` +
          `(${pendingOf.orders.length} order(s), ${pendingOf.receipts.length} receipt(s) waiting); then its watermark is retired and it pulls nothing more.`,
        done: retiredAlready
      },
      {
        seed: "Delete all business rules of the app-itam-procurement-integration application.",
        procura: `(Yours, once the others are done.) Disable ${options.from} and enable ${options.to} in the configuration (both at once are refused ` +
          `at start); the worker then runs ${options.to}'s pushes and pulls.`,
        done: retiredAlready && linked
      },
      {
        seed: "Map purchase requests, purchase orders and receipts to their Coupa entities.",
        procura: `What ${options.from} imported becomes ${options.to}'s: ${records.orders.imported} order(s), ${records.lines.imported} line(s), ` +
          `${records.receipts.imported} receipt line(s) and ${records.suppliers.imported} supplier(s) linked to their Coupa records ` +
          `(${records.orders.linked + records.lines.linked + records.receipts.linked + records.suppliers.linked} already), so ${options.to} updates them ` +
          `instead of creating them again. Coupa's records are not rewritten (a changed order line makes Coupa send the order to the supplier again); ` +
          `an order's lines get their external-reference-number when Procura next changes them.`,
        done: linked
      }
    ]
    return {
      from: options.from,
      to: options.to,
      steps,
      records,
      pending: pendingOf,
      migrated: retiredAlready && linked
    }
  })

/**
 * Performs Procura's side of the migration for the current tenant: runs the old connector's poll
 * a last time (`pollers`: the composition's, holding its poller for this tenant) and refuses
 * (`NotMigrated`, naming them) if Coupa still holds records it could not take; records every
 * imported record's Coupa id in the new connector's mapping records (its external reference
 * there), so the new connector's pushes update them and never create them again; retires the
 * old connector's watermark. Each part is skipped when done, so a second run changes nothing.
 *
 * @since 0.1.0
 * @category constructors
 */
export const apply = (
  options: Options & { readonly pollers: ReadonlyArray<Connector.Poller> }
): Effect.Effect<Applied, SyncError | CoupaError | Connector.MappingConflict | Storage.StorageError, Storage.Storage | Principal.CurrentPrincipal | Procura.Services> =>
  Effect.gen(function*() {
    const before = yield* plan(options)
    if (before.migrated) return { plan: before, changed: [] }
    const changed: Array<string> = []
    const client = clientOf(options.client)
    const watermark = yield* Connector.watermarkOf(options.from)
    const retiredAlready = Option.isSome(watermark) && watermark.value.startsWith(retiredPrefix)
    if (!retiredAlready) {
      const polled = yield* Connector.poll(options.pollers, { connectors: [options.from] })
      if (polled.length === 0) {
        return yield* new SyncError({
          reason: "NotMigrated",
          connector: options.from,
          record: options.from,
          retryable: false,
          message: `${options.from} is not enabled with a principal here, so its last pull cannot run; apply with the configuration that enables it`
        })
      }
      const failed = polled.find((report) => report.failed !== undefined)
      if (failed !== undefined) {
        return yield* new SyncError({ reason: "NotMigrated", connector: options.from, record: options.from, retryable: true, message: `${options.from}'s last pull failed: ${failed.failed}` })
      }
      changed.push(`${options.from}: last pull applied ${polled.reduce((n, r) => n + r.applied, 0)} change(s)`)
      const left = yield* pending(client)
      if (left.orders.length + left.receipts.length > 0) {
        return yield* new SyncError({
          reason: "NotMigrated",
          connector: options.from,
          record: options.from,
          retryable: true,
          message: `Coupa still holds what ${options.from} could not take: ` +
            `${left.orders.length} order(s) (${left.orders.slice(0, 10).map((r) => textOf(r["po-number"])).join(", ")}) and ${left.receipts.length} receipt(s) ` +
            `(${left.receipts.slice(0, 10).map((r) => idOf(r)).join(", ")}); see the worker's log for why, fix them, and apply again`
        })
      }
    }
    const from = Connector.links(options.from)
    const to = Connector.links(options.to)
    const orders = yield* from.list(kinds.purchaseOrder)
    const lineLinks = yield* from.list(kinds.purchaseOrderLine)
    let carriedCount = 0
    // Lines, receipts and suppliers first, orders last: an order linked means its part is done.
    for (const [, kind] of carried.toReversed()) {
      const links = kind === kinds.purchaseOrder ? orders : kind === kinds.purchaseOrderLine ? lineLinks : yield* from.list(kind)
      const known = yield* to.externalIdsOf(kind, links.map((link) => link.procuraId))
      for (const link of links) {
        if (known.has(link.procuraId)) continue
        yield* to.link(kind, link.procuraId, link.externalId)
        carriedCount++
      }
    }
    if (carriedCount > 0) changed.push(`${options.to}: ${carriedCount} mapping record(s) carried from ${options.from}`)
    if (!retiredAlready) {
      const at = new Date(yield* Clock.currentTimeMillis).toISOString()
      yield* Connector.setWatermark(options.from, retired(options.to, at))
      changed.push(`${options.from}: retired at ${at}; it pulls nothing more`)
    }
    return { plan: yield* plan(options), changed }
  })

/**
 * The plan as text, one numbered step per seed 000 step (`[x]` done, `[ ]` to do).
 *
 * @since 0.1.0
 * @category formatting
 */
export const format = (plan: Plan): string =>
  [
    `Migration ${plan.from} -> ${plan.to} (seed 000: SAM-Coupa and SPO-Coupa must not both run)${plan.migrated ? ": Procura's side is done" : ""}`,
    ...plan.steps.map((step, i) => `${i + 1}. [${step.done ? "x" : " "}] ServiceNow: ${step.seed}\n       Procura: ${step.procura}`),
    ...(plan.pending.orders.length + plan.pending.receipts.length > 0
      ? [`Waiting in Coupa for ${plan.from}: orders ${plan.pending.orders.join(", ") || "none"}; receipts ${plan.pending.receipts.join(", ") || "none"}`]
      : [])
  ].join("\n") + "\n"
