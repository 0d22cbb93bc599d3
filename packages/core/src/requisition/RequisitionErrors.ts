/**
 * Why a requisition operation was refused.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/**
 * Why a requisition operation was refused.
 *
 * - `UnknownCatalogItem`: a line names no catalog item.
 * - `VendorNotApproved`: the vendor asked for is not a source of the item.
 * - `NoSource`: the item has no source under the sourcing mode in force.
 * - `WrongChannel`: the item is bought through another channel (the message names it).
 * - `MixedCurrencies`: lines priced in different currencies.
 * - `InvalidState`: the request is not in a state that allows the action.
 * - `NoApprover`: the policy asked for an approver that cannot be found (a manager).
 * - `SelfApproval`: requesters do not approve their own requests.
 *
 * @since 0.1.0
 * @category models
 */
export type RequisitionErrorReason =
  | "UnknownCatalogItem"
  | "VendorNotApproved"
  | "NoSource"
  | "WrongChannel"
  | "MixedCurrencies"
  | "InvalidState"
  | "NoApprover"
  | "SelfApproval"

/**
 * A requisition operation was refused; nothing was written.
 *
 * @since 0.1.0
 * @category errors
 */
export class RequisitionError extends Data.TaggedError("RequisitionError")<{
  readonly reason: RequisitionErrorReason
  readonly message: string
  readonly requestId?: string
  readonly lineIndex?: number
}> {}
