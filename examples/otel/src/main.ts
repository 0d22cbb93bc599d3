/**
 * The example host: runs the scenario on embedded PGlite (or PostgreSQL when
 * `PROCURA_DATABASE_URL` is set) with OpenTelemetry tracing and JSON logs. Spans print as JSON
 * lines; swap the exporter for an OTLP one to send them to a collector.
 */
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Procura } from "@procura/core"
import { SqlStorage } from "@procura/storage-sql"
import { Effect, Layer } from "effect"
import { purchaseAndReceive } from "./Scenario.js"
import { JsonLinesSpanExporter, layerJsonLogs, layerTracing } from "./Telemetry.js"

const storage = process.env["PROCURA_DATABASE_URL"] === undefined ? SqlStorage.layerPglite() : SqlStorage.layerPgConfig()

const program = purchaseAndReceive("example-tenant").pipe(
  Effect.provide(Procura.layer.pipe(Layer.provideMerge(storage))),
  Effect.provide(layerTracing({ serviceName: "procura-example", spanProcessor: new BatchSpanProcessor(new JsonLinesSpanExporter()) })),
  Effect.provide(layerJsonLogs)
)

Effect.runPromise(program).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
