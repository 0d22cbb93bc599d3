/**
 * What the Coupa connectors share: the client they call, their mapping kinds, Coupa numbers made
 * from Procura ids, money as Coupa writes it, and their conflicting responsibilities.
 */
import { type Connector, Money, type Principal, type Storage } from "@procura/core"
import { Effect, Option } from "effect"
import * as CoupaClient from "../CoupaClient.js"
import { CoupaError } from "../CoupaError.js"
import { SyncError } from "../SyncError.js"

/**
 * Where a connector's client comes from: a client built by the host, the options to build one
 * (on `fetch`), or, when omitted, `COUPA_*` configuration (`CoupaClient.config()`).
 */
export type ClientSource = CoupaClient.CoupaClientService | CoupaClient.ClientOptions

/** The client, built on first use. */
export type Client = Effect.Effect<CoupaClient.CoupaClientService, CoupaError>

const isService = (source: ClientSource): source is CoupaClient.CoupaClientService => "createOnce" in source && typeof source.createOnce === "function"

/** The client, built once on first use. */
export const clientOf = (source: ClientSource | undefined): Client => {
  if (source !== undefined && isService(source)) return Effect.succeed(source)
  let built: CoupaClient.CoupaClientService | undefined
  const layer = source === undefined ? CoupaClient.layerConfig() : CoupaClient.layer(source)
  return Effect.suspend(() =>
    built !== undefined ? Effect.succeed(built) : Effect.flatMap(CoupaClient.CoupaClient, Effect.succeed).pipe(
      Effect.provide(layer),
      Effect.mapError((error) =>
        error instanceof CoupaError ? error : new CoupaError({
          reason: "Invalid",
          retryable: false,
          operation: "CoupaClient.config",
          message: `Coupa client configuration: ${error.message}`
        })
      ),
      Effect.tap((client) => Effect.sync(() => void (built = client)))
    )
  )
}

/** The mapping kinds (Procura id -> Coupa id) both connectors record. */
export const kinds = {
  supplier: "supplier",
  requisition: "requisition",
  purchaseOrder: "purchase_order",
  purchaseOrderLine: "purchase_order_line",
  receiptLine: "receipt_line",
  invoice: "invoice"
} as const

/** `<id>:<lineNo>`: a line's key in the mapping records and in Coupa's external references. */
export const lineKey = (id: string, lineNo: number): string => `${id}:${lineNo}`

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

/**
 * A Coupa document number (at most 20 characters: Coupa's `po-number` is a string(20)) made from a
 * Procura id: the prefix, then 85 bits of the UUIDv7 in Crockford base 32 (its 48-bit time and
 * 37 of its random bits). Two ids share a number only if made in the same millisecond with
 * those 37 bits equal; the push checks the number's order is the one it pushes (`NumberTaken`).
 */
export const documentNumber = (prefix: string, procuraId: string): string => {
  const hex = procuraId.replaceAll("-", "")
  // 48 bits of time, the 12 bits after the version nibble, 25 bits after the variant bits.
  const bits = [...hex].map((c) => Number.parseInt(c, 16).toString(2).padStart(4, "0")).join("")
  const useful = /^[0-9a-f]{32}$/i.test(hex) ? bits.slice(0, 48) + bits.slice(52, 64) + bits.slice(66, 91) : undefined
  if (useful === undefined) return `${prefix}${procuraId}`.slice(0, 20)
  let out = ""
  for (let i = 0; i < useful.length; i += 5) out += crockford[Number.parseInt(useful.slice(i, i + 5), 2)]
  return `${prefix}${out}`.slice(0, 20)
}

/** Money as Coupa writes it: a decimal string in major units (`"1200.00"`). */
export const decimal = (money: Money.Money): string => {
  const digits = Money.minorDigits(money.currency)
  const sign = money.amount < 0 ? "-" : ""
  const units = String(Math.abs(money.amount)).padStart(digits + 1, "0")
  return digits === 0 ? `${sign}${units}` : `${sign}${units.slice(0, -digits)}.${units.slice(-digits)}`
}

/** A Coupa decimal in a currency as Procura money (minor units), if it is one. */
export const moneyOf = (value: unknown, currency: string): Money.Money | undefined => {
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : ""
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text)
  if (match === null || !Money.isCurrency(currency)) return undefined
  const digits = Money.minorDigits(currency)
  const fraction = (match[3] ?? "").padEnd(digits, "0")
  // Beyond the currency's minor unit it must be zeros (Coupa writes 6 decimals).
  if (/[1-9]/.test(fraction.slice(digits))) return undefined
  const amount = Number(`${match[2]}${fraction.slice(0, digits)}`)
  return Number.isSafeInteger(amount) ? { amount: match[1] === "-" ? -amount : amount, currency } : undefined
}

/** A Coupa decimal as a whole quantity, if it is one. */
export const wholeQuantity = (value: unknown): number | undefined => {
  const n = typeof value === "number" ? value : typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN
  return Number.isInteger(n) ? n : undefined
}

/** A field of a Coupa record (hyphenated as Coupa's JSON has it). */
export const field = (record: CoupaClient.CoupaRecord, name: string): unknown => record[name]

/** The id of a Coupa record or reference (`{ "id": 7, ... }`). */
export const idOf = (value: unknown): number | undefined =>
  typeof value === "number" ? value : typeof value === "object" && value !== null && typeof (value as { id?: unknown }).id === "number" ? (value as { id: number }).id : undefined

/** The text of a Coupa field or of a code reference (`{ "code": "EUR" }`). */
export const textOf = (value: unknown): string =>
  typeof value === "string" ? value : typeof value === "number" ? String(value) : typeof value === "object" && value !== null && typeof (value as { code?: unknown }).code === "string" ? (value as { code: string }).code : ""

/** The Coupa id a Procura record is linked to, or `NotPushed` (retryable: it may be on its way). */
export const linked = (
  connector: string,
  links: Connector.Links,
  kind: string,
  procuraId: string
): Effect.Effect<number, SyncError | Storage.StorageError, Storage.Storage | Principal.CurrentPrincipal> =>
  Effect.flatMap(links.externalIdOf(kind, procuraId), (id) =>
    Option.isSome(id) ? Effect.succeed(Number(id.value)) : Effect.fail(
      new SyncError({
        reason: "NotPushed",
        connector,
        record: `${kind} ${procuraId}`,
        retryable: true,
        message: `${kind} ${procuraId} has not reached Coupa yet; it is needed first`
      })
    ))

/** What settles a conflict between the two Coupa connectors (seed 000: they must not both run). */
export const migrationAdvice =
  "SAM-Coupa and SPO-Coupa must not both run (seed 000). Keep one enabled; to move from sam-coupa to spo-coupa, run " +
  "`procura connectors plan --from sam-coupa --to spo-coupa` to see the steps and `--apply` to perform Procura's side, then disable sam-coupa"

/**
 * The responsibilities the two Coupa connectors both claim, exclusively: who holds the purchase
 * orders and receipts of record with Coupa.
 */
export const contested = [
  { name: "coupa.purchase-orders", mode: "exclusive", resolution: migrationAdvice },
  { name: "coupa.receipts", mode: "exclusive", resolution: migrationAdvice }
] as const
