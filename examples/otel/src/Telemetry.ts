/**
 * The host's telemetry: OpenTelemetry tracing through `@effect/opentelemetry` (every Procura
 * operation and storage call is an Effect span, so they become OpenTelemetry spans), and
 * structured JSON logs with secrets masked.
 *
 * @since 0.1.0
 */
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import type { ReadableSpan, SpanExporter, SpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Context, Formatter, type Layer, Logger, Option, Redacted, Tracer } from "effect"

/**
 * What replaces a secret in the logs.
 *
 * @since 0.1.0
 * @category constants
 */
export const mask = "<redacted>"

/**
 * Keys whose values are secrets wherever they appear in a log entry (annotations, structured
 * messages): passwords, secrets, tokens, authorization headers, API keys, cookies, credentials.
 *
 * @since 0.1.0
 * @category constants
 */
export const secretKey: RegExp = /pass(word|wd)?|secret|token|authori[sz]ation|api[-_]?key|cookie|credential|private[-_]?key/i

/** `scheme://user:password@host`: the password part of a URL in a string. */
const urlCredentials = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi

/**
 * Masks the secrets in a value about to be logged: `Redacted` values, the values of keys that
 * look secret ({@link secretKey}) at any depth, and passwords in URLs inside strings.
 *
 * @since 0.1.0
 * @category redaction
 */
export const redact = (value: unknown): unknown => {
  if (Redacted.isRedacted(value)) return mask
  if (typeof value === "string") return value.replace(urlCredentials, `$1${mask}@`)
  if (Array.isArray(value)) return value.map(redact)
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, secretKey.test(key) ? mask : redact(inner)])
    )
  }
  return value
}

/**
 * A logger writing one JSON object per entry (message, level, timestamp, annotations such as
 * Procura's `operation` and `tenant`, cause) with secrets masked, and the trace and span ids of
 * the span it was written in, to find the log lines of a trace.
 *
 * @since 0.1.0
 * @category logging
 */
export const jsonLogger: Logger.Logger<unknown, string> = Logger.make((options) => {
  const span = Option.getOrUndefined(Context.getOption(options.fiber.context, Tracer.ParentSpan))
  const entry = Logger.formatStructured.log(options)
  return Formatter.formatJson(redact(span === undefined ? entry : { ...entry, traceId: span.traceId, spanId: span.spanId }))
})

/**
 * Replaces the default logger with {@link jsonLogger} on the console.
 *
 * @since 0.1.0
 * @category logging
 */
export const layerJsonLogs: Layer.Layer<never> = Logger.layer([Logger.withConsoleLog(jsonLogger)])

/**
 * OpenTelemetry tracing for the host: Effect spans go to the given span processors (a
 * `BatchSpanProcessor` with an OTLP exporter in production).
 *
 * @since 0.1.0
 * @category tracing
 */
export const layerTracing = (options: {
  readonly serviceName: string
  readonly spanProcessor: SpanProcessor | ReadonlyArray<SpanProcessor>
}) =>
  NodeSdk.layer(() => ({
    resource: { serviceName: options.serviceName },
    spanProcessor: options.spanProcessor
  }))

/**
 * A span exporter printing one compact JSON line per finished span (name, trace and parent ids,
 * duration, attributes), to read traces in a terminal without a collector.
 *
 * @since 0.1.0
 * @category tracing
 */
export class JsonLinesSpanExporter implements SpanExporter {
  readonly write: (line: string) => void
  constructor(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {
    this.write = write
  }
  export(spans: ReadonlyArray<ReadableSpan>, done: (result: { code: 0 }) => void): void {
    for (const span of spans) {
      const [seconds, nanos] = span.duration
      this.write(JSON.stringify({
        span: span.name,
        trace: span.spanContext().traceId,
        id: span.spanContext().spanId,
        parent: span.parentSpanContext?.spanId,
        ms: Math.round((seconds * 1e3 + nanos / 1e6) * 100) / 100,
        attributes: span.attributes
      }))
    }
    done({ code: 0 })
  }
  shutdown(): Promise<void> {
    return Promise.resolve()
  }
}
