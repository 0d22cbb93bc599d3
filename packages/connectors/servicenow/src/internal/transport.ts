/**
 * ServiceNow as a system of the shared transport (`@procura/connector-kit`): its error envelope
 * `{"error": {"message", "detail"}, "status": "failure"}`, its "maximum execution time exceeded"
 * cancellation (a timeout, never retried as is: the caller asks for less), the MFA hint on a
 * 401, its default token path and API key header, and its error class.
 *
 * @internal
 */
import { HttpTransport } from "@procura/connector-kit"
import { ConnectorError } from "../ConnectorError.js"

/** Whether the instance cancelled the transaction: the page or the query asked for too much. */
const isExecutionTimeExceeded = (body: unknown): boolean => {
  const { message, detail } = HttpTransport.commonEnvelope(body)
  return /maximum execution time exceeded/i.test(`${message ?? ""} ${detail ?? ""}`)
}

/** The ServiceNow system: what the shared transport needs to know of it. */
export const serviceNow: HttpTransport.System<ConnectorError> = {
  name: "ServiceNow",
  envelope: HttpTransport.commonEnvelope,
  fail: (failure) => new ConnectorError(failure),
  special: (operation, reply) => {
    if (!isExecutionTimeExceeded(reply.body)) return undefined
    const { detail } = HttpTransport.commonEnvelope(reply.body)
    return new ConnectorError({
      reason: "Timeout",
      retryable: true,
      operation,
      status: reply.status,
      executionTimeExceeded: true,
      message: `${operation}: the instance cancelled the transaction (maximum execution time exceeded); ask for fewer rows or fields`,
      ...(detail === undefined ? {} : { detail })
    })
  },
  unauthorizedHint: (reply) =>
    reply.headers["x-mfa_token"] === undefined ? undefined : "the user has multi-factor authentication: use OAuth",
  defaults: { tokenPath: "/oauth_token.do", apiKeyHeader: "x-sn-apikey" }
}
