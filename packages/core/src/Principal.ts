/**
 * Who is calling: the principal every operation runs as.
 *
 * Hosts authenticate users their own way and hand Procura a {@link Principal}; every service call
 * reads it from the Effect context, checks its roles and scopes all reads and writes to its tenant.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import { z } from "zod"

/**
 * The schema of a principal: a user id, the tenant the user acts in, and the user's roles.
 *
 * @since 0.1.0
 * @category models
 */
export const Principal = z.object({
  userId: z.string().min(1),
  tenantId: z.string().min(1),
  roles: z.array(z.string().min(1)).readonly()
}).readonly()

/**
 * A principal: a user id, the tenant the user acts in, and the user's roles.
 *
 * @since 0.1.0
 * @category models
 */
export type Principal = z.infer<typeof Principal>

/**
 * The principal of the current call. There is no default: an operation run without one does
 * not type-check, so nothing runs anonymously by accident.
 *
 * @since 0.1.0
 * @category services
 */
export class CurrentPrincipal extends Context.Service<CurrentPrincipal, Principal>()("@procura/core/CurrentPrincipal") {}

/**
 * Runs an effect as the given principal.
 *
 * @since 0.1.0
 * @category combinators
 */
export const runAs: {
  (principal: Principal): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, Exclude<R, CurrentPrincipal>>
  <A, E, R>(self: Effect.Effect<A, E, R>, principal: Principal): Effect.Effect<A, E, Exclude<R, CurrentPrincipal>>
} = function() {
  if (arguments.length === 1) {
    const principal = arguments[0] as Principal
    return <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.provideService(self, CurrentPrincipal, principal)
  }
  return Effect.provideService(arguments[0], CurrentPrincipal, arguments[1])
} as never

/**
 * A layer providing a fixed principal, for scripts, workers and tests.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (principal: Principal): Layer.Layer<CurrentPrincipal> => Layer.succeed(CurrentPrincipal, principal)
