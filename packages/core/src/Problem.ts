/**
 * Errors as hosts see them: a stable machine code, a suggested HTTP status, and RFC 9457
 * problem details.
 *
 * Every Procura error is tagged (`_tag`), and most families say why with a `reason`. The
 * **code** is derived from both: `<Family>/<reason>` when the family has reasons
 * (`ReceivingError/OverReceipt`, `StorageError/Unavailable`), the bare tag when it has none
 * (`ValidationError`, `AccessDenied`, `NotFound`). Codes are stable: match on them, not on
 * messages.
 *
 * The **status** comes from one table of {@link Family} declarations: each family states its
 * status, per reason where it has reasons. The core declares its own ({@link families}); a
 * plugin declares the families of its operations in `Plugin.errors`, a connector exports its
 * family for hosts to pass as `families`. An error of a family nobody declared, and anything
 * that is not a Procura error (a defect), is a 500 whose details say nothing of its internals.
 *
 * ```ts
 * import { Problem } from "@procura/core"
 *
 * const problem = Problem.toProblem(error, { tenantId: principal.tenantId, instance: request.url })
 * response.status(problem.status).type("application/problem+json").send(problem)
 * ```
 *
 * The parts live in `internal/problem/`: the family model and statuses (`family.ts`), the core's
 * status table, data only, where a core error family or reason gets its status (`families.ts`),
 * codes and classification (`classify.ts`) and problem details with their sanitising
 * (`details.ts`). This module is their one public face.
 *
 * @since 0.1.0
 */
export {
  classify,
  code,
  codeOf,
  codes,
  codesOf,
  defaultTypeBase,
  internalErrorCode,
  kebab,
  registry,
  status,
  typeOf
} from "./internal/problem/classify.js"
export type { Classification, ClassifyOptions } from "./internal/problem/classify.js"
export { toProblem } from "./internal/problem/details.js"
export type { Problem, ProblemOptions } from "./internal/problem/details.js"
export { families } from "./internal/problem/families.js"
export { family } from "./internal/problem/family.js"
export type { Family, FamilySpec, ReasonOf, Registry, Status } from "./internal/problem/family.js"
