import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { assert, describe, it } from "@effect/vitest"
import { Operation, Principal, Procura } from "@procura/core"
import { SqlStorage } from "@procura/storage-sql"
import { Effect, Layer, Logger, Redacted } from "effect"
import { z } from "zod"
import { purchaseAndReceive } from "../src/Scenario.js"
import { jsonLogger, layerTracing, mask, redact } from "../src/Telemetry.js"

const tenant = "otel-test"

/**
 * Runs an effect with spans exported to memory and JSON log lines collected; gives all three.
 * (The spans are read before the tracing layer shuts the exporter down, which empties it.)
 */
const observed = <A, E>(effect: Effect.Effect<A, E>) => {
  const exporter = new InMemorySpanExporter()
  const lines: Array<string> = []
  return Effect.map(effect, (result) => ({ result, spans: exporter.getFinishedSpans() })).pipe(
    Effect.provide(layerTracing({ serviceName: "procura-test", spanProcessor: new SimpleSpanProcessor(exporter) })),
    Effect.provide(Logger.layer([Logger.map(jsonLogger, (line) => void lines.push(line))])),
    Effect.map(({ result, spans }) => ({ result, spans, logs: lines.map((line) => JSON.parse(line)), lines }))
  )
}

const named = (spans: ReadonlyArray<ReadableSpan>, name: string) => spans.filter((span) => span.name === name)

/** The spans under `root`, at any depth. */
const descendants = (spans: ReadonlyArray<ReadableSpan>, root: ReadableSpan): ReadonlyArray<ReadableSpan> => {
  const children = spans.filter((span) => span.parentSpanContext?.spanId === root.spanContext().spanId)
  return children.flatMap((child) => [child, ...descendants(spans, child)])
}

describe("examples/otel: traces and JSON logs of a host", () => {
  it.effect("every operation is a span with its storage calls (collection, tenant, row counts) below it", () =>
    Effect.gen(function*() {
      const { result: receipt, spans } = yield* observed(
        purchaseAndReceive(tenant).pipe(Effect.provide(Procura.layer.pipe(Layer.provideMerge(SqlStorage.layerPglite()))))
      )
      const [root] = named(spans, "example.purchaseAndReceive")
      assert.isDefined(root)
      const operations = descendants(spans, root!).filter((span) => span.attributes["procura.operation"] !== undefined)
      assert.deepStrictEqual(operations.map((span) => span.name).toSorted(), [
        "catalog.createCatalogItem",
        "catalog.createVendor",
        "purchasing.createFromRequest",
        "purchasing.submitPurchaseOrder",
        "receiving.receivePurchaseOrder",
        "requisition.approveRequest",
        "requisition.createRequest"
      ])
      for (const span of operations) {
        assert.strictEqual(span.attributes["procura.operation"], span.name)
        assert.strictEqual(span.attributes["procura.operation.kind"], "command")
        assert.strictEqual(span.attributes["procura.tenant"], tenant)
        assert.strictEqual(span.spanContext().traceId, root!.spanContext().traceId)
      }

      const [receive] = named(operations, "receiving.receivePurchaseOrder")
      assert.strictEqual(receive!.attributes["procura.permission"], "receiving.receive")
      const below = descendants(spans, receive!)
      const storageCalls = below.filter((span) => span.name.startsWith("Storage."))
      const written = storageCalls
        .filter((span) => (span.name === "Storage.updateMany" || span.name === "Storage.insertMany") && span.attributes["procura.rows"] !== 0)
        .map((span) => [span.name, span.attributes["procura.collection"], span.attributes["procura.rows"]])
      // The order first (racing receivers take turns on it); its three template assets and the receipt.
      assert.deepStrictEqual(written[0], ["Storage.updateMany", "purchase_orders", 1])
      assert.includeDeepMembers(written, [["Storage.updateMany", "assets", 3], ["Storage.insertMany", "receipts", 1]])
      for (const span of storageCalls.filter((s) => s.attributes["procura.collection"] !== undefined)) {
        assert.strictEqual(span.attributes["procura.tenant"], tenant, span.name)
      }
      assert.isNotEmpty(named(below, "Storage.transaction"))
      assert.isNotEmpty(named(below, "Storage.appendEvents"))
      // The adapter's spans, and the SQL client's statements, below the storage calls.
      const update = below.find((span) => span.name === "SqlStorage.update" && span.attributes["db.collection.name"] === "c_assets")
      assert.strictEqual(update?.attributes["procura.rows"], 3)
      assert.isNotEmpty(descendants(spans, update!).filter((span) => typeof span.attributes["db.query.text"] === "string"))

      // No span carries what was received: serial numbers travel as bind parameters, not attributes.
      assert.deepStrictEqual(receipt.lines[0]!.quantity, 3)
      const everything = JSON.stringify(spans.map((span) => span.attributes))
      assert.notInclude(everything, "SN-1001")
    }), { timeout: 60_000 })

  it.effect("JSON logs mask secrets and carry the trace, and an operation's logs name it and the tenant", () =>
    Effect.gen(function*() {
      const noisy = Operation.make({
        id: "example.noisy",
        summary: "Logs a line.",
        kind: "query",
        permission: "catalog.read",
        input: z.object({}),
        output: z.null(),
        events: [],
        handler: () => Effect.as(Effect.logInfo("inside"), null)
      })
      const { lines, logs, spans } = yield* observed(
        Effect.gen(function*() {
          yield* Effect.logInfo("connecting", { url: "postgres://app:s3cr3t-pw@db:5432/procura", user: "app" }).pipe(
            Effect.annotateLogs({
              apiToken: Redacted.make("tok-123"),
              password: "hunter2",
              headers: { Authorization: "Bearer abc.def", accept: "application/json" },
              purchaseOrderId: "po-1"
            }),
            Effect.withSpan("connect")
          )
          yield* Operation.run(noisy)({}).pipe(Principal.runAs({ userId: "u", tenantId: tenant, roles: ["admin"] }))
        }).pipe(Effect.provide(SqlStorage.layerPglite()))
      )
      for (const secret of ["s3cr3t-pw", "tok-123", "hunter2", "Bearer abc.def"]) assert.notInclude(lines.join("\n"), secret)
      const [connecting, inside] = logs
      assert.deepStrictEqual(connecting.message, ["connecting", { url: `postgres://app:${mask}@db:5432/procura`, user: "app" }])
      assert.deepStrictEqual(connecting.annotations, {
        apiToken: mask,
        password: mask,
        headers: { Authorization: mask, accept: "application/json" },
        purchaseOrderId: "po-1"
      })
      const [connect] = named(spans, "connect")
      assert.strictEqual(connecting.traceId, connect!.spanContext().traceId)
      assert.strictEqual(connecting.spanId, connect!.spanContext().spanId)

      assert.strictEqual(inside.message, "inside")
      assert.deepStrictEqual(inside.annotations, { operation: "example.noisy", tenant })
      assert.strictEqual(inside.spanId, named(spans, "example.noisy")[0]!.spanContext().spanId)
    }), { timeout: 60_000 })

  it("redact masks Redacted values, secret-looking keys at any depth and URL passwords, and keeps the rest", () => {
    assert.deepStrictEqual(
      redact({ list: [{ clientSecret: "x" }, Redacted.make("y"), "https://u:p@h/x"], count: 2, note: "no secret here" }),
      { list: [{ clientSecret: mask }, mask, `https://u:${mask}@h/x`], count: 2, note: "no secret here" }
    )
  })
})
