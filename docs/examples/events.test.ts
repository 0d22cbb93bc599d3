// docs/events.md lists every event (core and plugins) from the definitions and the operations
// catalogue; this test keeps it equal to the code's (UPDATE_DOCS=1 rewrites it) and runs its sample.
import { assert, describe, it } from "@effect/vitest"
import { Cli, Demo } from "@procura/cli"
import { AssetsEvents, Catalog, CatalogEvents, Delivery, Events, InvoicingEvents, LicensingEvents, type Operation, Plugin, Principal, Procura, Purchasing, PurchasingEvents, Receiving, ReceivingEvents, Requisition, RequisitionEvents, ShippingEvents, StockEvents, Storage } from "@procura/core"
import { MemoryStorage } from "@procura/storage-memory"
import { Effect, Layer } from "effect"
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { assertGuideEmbedsSamples } from "./samples.js"

// --- sample: subscriber ---
/** A receiving slip as another system takes it (what a connector would post). */
interface Slip {
  readonly purchaseOrderId: string
  readonly causationId: string
  readonly lines: ReadonlyArray<{ readonly lineNo: number; readonly quantity: number; readonly serialNumbers: ReadonlyArray<string> }>
}

const decode = Events.decoder([ReceivingEvents.ReceiptRecorded, PurchasingEvents.PurchaseOrderReceived])

/** Reads receipts and completed orders as typed events: no reading back, no casts. */
const receiptMirror = (slips: Array<Slip>, completed: Set<string>): Plugin.Subscriber => ({
  id: "receipt-mirror",
  events: [ReceivingEvents.ReceiptRecorded.type, PurchasingEvents.PurchaseOrderReceived.type],
  handle: (stored) =>
    Effect.map(decode(stored), (event) => {
      if (event.type === "receipt.recorded") {
        slips.push({
          purchaseOrderId: event.payload.purchaseOrderId,
          causationId: event.causationId,
          lines: event.payload.lines.map(({ lineNo, quantity, serialNumbers }) => ({ lineNo, quantity, serialNumbers }))
        })
      } else {
        completed.add(event.payload.purchaseOrderId)
      }
    })
})
// --- end sample ---

// ----- the generated catalogue -----------------------------------------------------------------

interface JsonSchema {
  readonly type?: string | ReadonlyArray<string>
  readonly properties?: { readonly [name: string]: JsonSchema }
  readonly required?: ReadonlyArray<string>
  readonly items?: JsonSchema
  readonly additionalProperties?: JsonSchema | boolean
  readonly enum?: ReadonlyArray<unknown>
  readonly const?: unknown
  readonly anyOf?: ReadonlyArray<JsonSchema>
  readonly description?: string
}

const code = (value: unknown) => `\`${typeof value === "string" ? value : JSON.stringify(value)}\``

/** The values of an enum, a constant, or a union of them; undefined for anything else. */
const values = (schema: JsonSchema): ReadonlyArray<unknown> | undefined => {
  if (schema.enum !== undefined) return schema.enum
  if (schema.const !== undefined) return [schema.const]
  if (schema.anyOf === undefined) return undefined
  const all = schema.anyOf.map(values)
  return all.every((v) => v !== undefined) ? [...new Set(all.flat())] : undefined
}

const typeOf = (schema: JsonSchema): string => {
  const enumerated = values(schema)
  if (enumerated !== undefined) {
    if (enumerated.length === 1) return code(enumerated[0])
    // Long lists (currencies) by their count and ends.
    return enumerated.length > 20
      ? `one of ${enumerated.length} codes (${code(enumerated[0])} ... ${code(enumerated.at(-1))})`
      : `one of ${enumerated.map(code).join(", ")}`
  }
  if (schema.anyOf !== undefined) return schema.anyOf.map(typeOf).join(" or ")
  if (schema.type === "array") return `list of ${schema.items === undefined ? "anything" : typeOf(schema.items)}`
  if (schema.type === "object") {
    if (schema.properties !== undefined) return "object"
    return typeof schema.additionalProperties === "object" ? `map of ${typeOf(schema.additionalProperties)}` : "object"
  }
  return typeof schema.type === "string" ? schema.type : schema.type?.join(" or ") ?? "anything"
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ")

/** One row per field, nested objects and lists of objects expanded (`lines[].lineNo`). */
const rows = (schema: JsonSchema, prefix = ""): ReadonlyArray<string> =>
  Object.entries(schema.properties ?? {}).flatMap(([name, field]) => {
    const path = `${prefix}${name}`
    const optional = (schema.required ?? []).includes(name) ? "" : ", optional"
    const row = `| \`${path}\` | ${cell(typeOf(field))}${optional} | ${cell(field.description ?? "")} |`
    if (field.type === "object" && field.properties !== undefined) return [row, ...rows(field, `${path}.`)]
    if (field.type === "array" && field.items?.type === "object" && field.items.properties !== undefined) {
      return [row, ...rows(field.items, `${path}[].`)]
    }
    return [row]
  })

const section = (title: string, definitions: ReadonlyArray<Events.Any>, catalogue: ReadonlyMap<string, Operation.Any>): string => {
  const appenders = (definition: Events.Any) =>
    [...catalogue.values()].filter((op) => op.events.some((event) => event.type === definition.type)).map((op) => `\`${op.id}\``)
  return [
    `## ${title}`,
    ...definitions.map((definition) => {
      const by = appenders(definition)
      const aggregate = `${definition.aggregateTypes.map(code).join(" or ")}${definition.aggregateId === undefined ? "" : `, id in \`${definition.aggregateId}\``}`
      return [
        `### \`${definition.type}\``,
        definition.description,
        `- Aggregate: ${aggregate}\n- Appended by: ${by.length === 0 ? "no operation" : by.join(", ")}`,
        ["| field | type | notes |", "| --- | --- | --- |", ...rows(Events.payloadJsonSchema(definition) as JsonSchema)].join("\n")
      ].join("\n\n")
    })
  ].join("\n\n")
}

const plugins = Effect.runSync(Plugin.fromConfigFile(Cli.installedPlugins, Demo.demoConfig))
const composition = Effect.runSync(Plugin.compose(plugins))
const catalogue = Procura.catalogueWith(composition)

const modules: ReadonlyArray<readonly [string, ReadonlyArray<Events.Any>]> = [
  ["Catalog", CatalogEvents.events],
  ["Requisition", RequisitionEvents.events],
  ["Purchasing", PurchasingEvents.events],
  ["Shipping", ShippingEvents.events],
  ["Receiving", ReceivingEvents.events],
  ["Assets", AssetsEvents.events],
  ["Licensing", LicensingEvents.events],
  ["Invoicing", InvoicingEvents.events],
  ["Stock", StockEvents.events],
  ...Cli.installedPlugins.flatMap((plugin) =>
    plugin.events === undefined ? [] : [[`${plugin.kind === "connector" ? "Connector" : "Plugin"} \`${plugin.id}\``, plugin.events] as const]
  )
]

/** The generated part of docs/events.md: a summary table, then every event with its payload. */
export const catalogueMarkdown = (): string => {
  const all = modules.flatMap(([, definitions]) => definitions)
  const summary = [
    "| event | aggregate | appended by |",
    "| --- | --- | --- |",
    ...all.map((definition) => {
      const by = [...catalogue.values()].filter((op) => op.events.some((event) => event.type === definition.type)).length
      return `| [\`${definition.type}\`](#${definition.type.replace(/[^a-z0-9_-]/g, "")}) | ${definition.aggregateTypes.map(code).join(" or ")} | ${by} operation${by === 1 ? "" : "s"} |`
    })
  ].join("\n")
  return [`${all.length} events.`, summary, ...modules.map(([title, definitions]) => section(title, definitions, catalogue))].join("\n\n")
}

const begin = "<!-- generated: events -->\n"
const end = "\n<!-- end generated -->"

describe("docs/events.md", () => {
  it("lists every event of the core and the plugins, each once, and every event an operation declares", () => {
    const listed = modules.flatMap(([, definitions]) => definitions.map((definition) => definition.type))
    assert.strictEqual(new Set(listed).size, listed.length, "an event is listed twice")
    assert.sameMembers(Procura.events.map((definition) => definition.type), listed.filter((type) => !type.startsWith("oversight.") && !type.startsWith("servicenow.")))
    const declared = [...catalogue.values()].flatMap((op) => op.events.map((event) => event.type))
    assert.deepStrictEqual([...new Set(declared)].filter((type) => !listed.includes(type)), [], "operations declare events the doc does not list")
  })

  it("shows the code's events, aggregates, operations and payloads", () => {
    const path = fileURLToPath(new URL("../events.md", import.meta.url))
    const doc = readFileSync(path, "utf8")
    const start = doc.indexOf(begin)
    assert.isAtLeast(start, 0, "docs/events.md has no generated section")
    const stop = doc.indexOf(end, start)
    if (process.env["UPDATE_DOCS"] === "1") {
      writeFileSync(path, doc.slice(0, start + begin.length) + catalogueMarkdown() + doc.slice(stop))
      return
    }
    assert.strictEqual(doc.slice(start + begin.length, stop), catalogueMarkdown(), "docs/events.md is out of date: run UPDATE_DOCS=1 pnpm exec vitest run docs/examples/events.test.ts")
  })

  it.effect("the subscriber sample reads a receipt's lines, serials and causation without reading back", () =>
    Effect.gen(function*() {
      const buyer: Principal.Principal = { userId: "pat", tenantId: "acme", roles: ["procurement_manager"] }
      const employee: Principal.Principal = { userId: "rae", tenantId: "acme", roles: ["requester"] }
      const storekeeper: Principal.Principal = { userId: "sam", tenantId: "acme", roles: ["storage_manager"] }
      const catalog = yield* Catalog.Catalog
      const requisition = yield* Requisition.Requisition
      const purchasing = yield* Purchasing.Purchasing
      const receiving = yield* Receiving.Receiving
      const vendor = yield* Principal.runAs(catalog.createVendor({ code: "DELL", name: "Dell" }), buyer)
      const laptop = yield* Principal.runAs(
        catalog.createCatalogItem({ sku: "LAT", name: "Latitude", kind: "hardware", approvedVendors: [{ vendorId: vendor.id, unitCost: { amount: 139_900, currency: "EUR" } }] }),
        buyer
      )
      const request = yield* Principal.runAs(requisition.createRequest({ lines: [{ catalogItemId: laptop.id, quantity: 2 }] }), employee)
      yield* Principal.runAs(requisition.approveRequest({ requestId: request.id }), buyer)
      const [draft] = yield* Principal.runAs(purchasing.createFromRequest({ requestId: request.id }), buyer)
      const order = yield* Principal.runAs(purchasing.submitPurchaseOrder({ purchaseOrderId: draft!.id }), buyer)
      yield* Principal.runAs(
        receiving.receivePurchaseOrder({ purchaseOrderId: order.id, locationId: "HQ", storageSpace: "Store room 1", lines: [{ lineNo: 1, serialNumbers: ["7450-A", "7450-B"] }] }),
        storekeeper
      )
      const slips: Array<Slip> = []
      const completed = new Set<string>()
      yield* Delivery.drain([receiptMirror(slips, completed)])
      assert.deepStrictEqual(slips.map((slip) => [slip.purchaseOrderId, slip.lines]), [[order.id, [{ lineNo: 1, quantity: 2, serialNumbers: ["7450-A", "7450-B"] }]]])
      assert.deepStrictEqual([...completed], [order.id])
      const storage = yield* Storage.Storage
      const received = (yield* storage.readEvents({ after: 0, limit: 1000, tenantId: "acme" })).find((event) => event.type === "purchase_order.received")!
      assert.strictEqual(Events.causationOf(received), slips[0]!.causationId, "the receipt and the order's new status come from one command")
    }).pipe(Effect.provide(Procura.layer.pipe(Layer.provideMerge(MemoryStorage.layer())))))

  it("docs/events.md embeds the sample verbatim", () => {
    assertGuideEmbedsSamples(import.meta.url, "../events.md", ["subscriber"])
  })
})
