/**
 * Calls to the Procura API the page is served beside: `POST /operations/<id>` with the
 * storekeeper's bearer token. A refusal comes back as RFC 9457 problem details.
 */
import type { Receiving } from "@procura/core"

/** Problem details, as the API answers every error. */
export interface Problem {
  readonly status: number
  readonly code: string
  readonly title: string
  readonly detail: string
  readonly retryable?: boolean
  /** `ReceivingError/NothingReceived` carries what became of each scan. */
  readonly scans?: ReadonlyArray<Receiving.ScanResult>
}

/** The API answered with an error. */
export class ProblemError extends Error {
  readonly problem: Problem
  constructor(problem: Problem) {
    super(problem.detail)
    this.problem = problem
  }
}

/** The API could not be reached: no network, or the server is down. */
export class Unreachable extends Error {}

/** Whether the same call may succeed later: the server or what it calls is busy or down. */
export const isTransient = (error: unknown): boolean =>
  error instanceof Unreachable ||
  (error instanceof ProblemError && (error.problem.retryable === true || error.problem.status === 429 || error.problem.status >= 500))

/** Runs an operation as the holder of `token`. */
export const call = async <A>(token: string, operation: string, input: unknown): Promise<A> => {
  let response: Response
  try {
    response = await fetch(`/operations/${operation}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(input)
    })
  } catch (cause) {
    throw new Unreachable("The server cannot be reached", { cause })
  }
  const body: unknown = await response.json().catch(() => undefined)
  if (!response.ok) {
    throw new ProblemError(
      (body as Problem | undefined) ?? { status: response.status, code: "Http", title: response.statusText, detail: `The server answered ${response.status}` }
    )
  }
  return body as A
}
