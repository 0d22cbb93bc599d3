/**
 * Pricing and planning of purchase requests: line input (catalog or custom lines), pricing lines
 * from the catalog and approved vendors, the approval chain from the policy, and who may decide
 * a step.
 *
 * @since 0.1.0
 */
import { Effect, Option } from "effect"
import { z } from "zod"
import { invalid } from "../Errors.js"
import * as Money from "../Money.js"
import { type Principal } from "../Principal.js"
import * as Storage from "../Storage.js"
import * as Text from "../Text.js"
import { type CatalogItem, Channel, ItemKind } from "../catalog/CatalogModel.js"
import { ChannelRouting, customItem, type CustomItemSpec, itemsById, saveCustomItems, Sourcing, sourcesFor, vendorsById } from "../catalog/internal/sourcing.js"
import { ApprovalPolicy, Directory } from "./ApprovalPolicy.js"
import { ApprovalStep, PurchaseRequest, RequestLine } from "./RequisitionModel.js"
import { RequisitionError } from "./RequisitionErrors.js"

/** The fields only a custom line states; a catalog line takes them from its catalog item. */
export const customFields = ["kind", "description", "unitCost", "category", "createAsset", "capitalisable"] as const

/** What a custom line must state, and how to say so. */
export const customRequired = {
  kind: "its kind (hardware, software, consumable, service or enterprise)",
  description: "a description",
  vendorId: "its vendor (an existing vendor id)",
  unitCost: "its unit cost ({ amount, currency }, amount in minor units)"
} as const

/**
 * A request line as callers give it: either a catalog line (`catalogItemId`, optionally the
 * vendor to buy from among the item's sources) or a custom line for something not in the
 * catalog, which must state its kind, description, vendor and unit cost, and may state its
 * category and whether it creates assets or is capitalisable.
 *
 * @since 0.1.0
 * @category inputs
 */
export const LineInput = z.object({
  catalogItemId: Text.id.optional(),
  quantity: z.number().int("quantity must be a whole number").positive("quantity must be at least 1").max(1_000_000),
  vendorId: Text.id.optional(),
  kind: ItemKind.optional(),
  description: Text.bounded(Text.limits.name, "the description must not be blank").optional(),
  unitCost: Money.Money.optional(),
  category: Text.name.optional(),
  createAsset: z.boolean().optional(),
  capitalisable: z.boolean().optional()
}).transform((line, ctx): LineRequest => {
  const { catalogItemId, quantity, vendorId, kind, description, unitCost, category, createAsset, capitalisable } = line
  if (catalogItemId !== undefined) {
    for (const field of customFields.filter((f) => line[f] !== undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [field],
        message: `a catalog line takes its ${field} from the catalog item; leave ${field} out, or leave catalogItemId out for a custom line`
      })
    }
    return { catalogItemId, quantity, ...(vendorId !== undefined ? { vendorId } : {}) }
  }
  for (const [field, what] of Object.entries(customRequired)) {
    if (line[field as keyof typeof customRequired] === undefined) {
      ctx.addIssue({ code: "custom", path: [field], message: `a custom line (one without catalogItemId) must state ${what}` })
    }
  }
  if (kind === undefined || description === undefined || vendorId === undefined || unitCost === undefined) return z.NEVER
  return { quantity, custom: { kind, description, vendorId, unitCost, category, createAsset, capitalisable } }
})

/**
 * A request line once validated: a catalog item (and maybe a vendor), or a custom item's spec.
 *
 * @since 0.1.0
 * @category models
 */
export type LineRequest =
  | { readonly catalogItemId: string; readonly quantity: number; readonly vendorId?: string }
  | { readonly custom: CustomItemSpec; readonly quantity: number }

export const LinesInput = z.array(LineInput).min(1, "a purchase request needs at least one line").max(1000, "a purchase request has at most 1,000 lines")

/**
 * The items of the lines: catalog items by id, and the hidden items of custom lines (built, not
 * yet stored). A custom line naming no existing vendor is refused with a `ValidationError` whose
 * path names the line and its `vendorId`.
 */
export const itemsOfLines = Effect.fn("Requisition.itemsOfLines")(function*(operation: string, lines: ReadonlyArray<LineRequest>) {
  const specs = lines.flatMap((line, index) => ("custom" in line ? [{ index, spec: line.custom }] : []))
  const known = yield* vendorsById([...new Set(specs.map(({ spec }) => spec.vendorId))])
  const unknown = specs.filter(({ spec }) => !known.has(spec.vendorId))
  if (unknown.length > 0) {
    return yield* invalid(operation, unknown.map(({ index, spec }) => ({
      path: ["lines", index, "vendorId"],
      message: `line ${index + 1}: no vendor with id ${spec.vendorId}`,
      received: spec.vendorId
    })))
  }
  const catalog = yield* itemsById(lines.flatMap((line) => ("catalogItemId" in line ? [line.catalogItemId] : [])))
  const custom = new Map<number, Storage.New<CatalogItem>>()
  for (const { index, spec } of specs) custom.set(index, yield* customItem(spec))
  return {
    itemOf: (line: LineRequest, index: number) => ("catalogItemId" in line ? catalog.get(line.catalogItemId) : custom.get(index)),
    customItems: [...custom.values()]
  }
})

/**
 * Prices lines from the catalog's sources (custom lines: the vendor and price they state) and
 * checks each item's channel, then stores the hidden items of custom lines not stored yet.
 */
export const priceLines = Effect.fn("Requisition.priceLines")(function*(
  operation: string,
  lines: ReadonlyArray<LineRequest>,
  channel: Channel
) {
  const { itemOf, customItems } = yield* itemsOfLines(operation, lines)
  const router = yield* ChannelRouting
  const sourcesLabel = (yield* Sourcing) === "vendor_catalog" ? "approved vendor" : "active supplier product"
  const priced: Array<RequestLine> = []
  for (const [index, line] of lines.entries()) {
    const item = itemOf(line, index)
    const vendorId = "catalogItemId" in line ? line.vendorId : undefined
    if (item === undefined) {
      return yield* new RequisitionError({
        reason: "UnknownCatalogItem",
        lineIndex: index,
        message: `Line ${index + 1}: no catalog item with id ${"catalogItemId" in line ? line.catalogItemId : ""}`
      })
    }
    const route = yield* router.route(item)
    if (route.channel !== channel) {
      return yield* new RequisitionError({
        reason: "WrongChannel",
        lineIndex: index,
        message: `Line ${index + 1}: ${item.name} cannot be bought through the ${channel.replace("_", " ")}; ` +
          `use the ${route.channel.replace("_", " ")} (${route.reason})`
      })
    }
    const sources = yield* sourcesFor(item)
    if (sources.length === 0) {
      return yield* new RequisitionError({
        reason: "NoSource",
        lineIndex: index,
        message: `Line ${index + 1}: ${item.name} has no ${sourcesLabel} to buy it from`
      })
    }
    const source = vendorId === undefined ? sources[0] : sources.find((s) => s.vendorId === vendorId)
    if (source === undefined) {
      return yield* new RequisitionError({
        reason: "VendorNotApproved",
        lineIndex: index,
        message: `Line ${index + 1}: vendor ${vendorId} is not an ${sourcesLabel} of ${item.name}`
      })
    }
    priced.push({
      lineNo: index + 1,
      catalogItemId: item.id,
      description: item.name,
      kind: item.kind,
      ...(item.category !== undefined ? { category: item.category } : {}),
      vendorId: source.vendorId,
      quantity: line.quantity,
      unitCost: source.unitCost,
      createAsset: item.createAsset,
      // Items stored before the flag existed are not capitalisable.
      capitalisable: item.capitalisable ?? false,
      custom: item.source === "custom",
      ...(source.supplierProductId !== undefined ? { supplierProductId: source.supplierProductId } : {})
    })
  }
  const currency = priced[0]!.unitCost.currency
  const total = Money.sum(priced.map((l) => Money.times(l.unitCost, l.quantity)), currency)
  if (total === undefined) {
    return yield* new RequisitionError({ reason: "MixedCurrencies", message: "All lines of a request must be priced in one currency" })
  }
  yield* saveCustomItems(customItems)
  return { lines: priced, total }
})

/** Plans the approval chain for priced lines, resolving managers to users. */
export const planChain = Effect.fn("Requisition.planChain")(function*(facts: {
  readonly lines: ReadonlyArray<RequestLine>
  readonly total: Money.Money
  readonly requesterId: string
  readonly costCenter: string | undefined
  readonly channel: Channel
}) {
  const policy = yield* ApprovalPolicy
  const directory = yield* Directory
  const plan = yield* policy.plan({
    amount: facts.total.amount,
    currency: facts.total.currency,
    kinds: [...new Set(facts.lines.map((l) => l.kind))],
    categories: [...new Set(facts.lines.flatMap((l) => (l.category === undefined ? [] : [l.category])))],
    costCenter: facts.costCenter,
    requesterId: facts.requesterId,
    channel: facts.channel,
    lineCount: facts.lines.length
  })
  const steps: Array<ApprovalStep> = []
  for (const [i, planned] of plan.steps.entries()) {
    let approver = planned.approver
    let label = planned.label
    if (approver.kind === "manager") {
      const manager = yield* directory.managerOf(facts.requesterId)
      if (Option.isNone(manager)) {
        return yield* new RequisitionError({
          reason: "NoApprover",
          message: `Step ${i + 1} (${planned.label}) needs the manager of ${facts.requesterId}, and the directory names none`
        })
      }
      approver = { kind: "user", userId: manager.value }
      label = `${planned.label} (${manager.value})`
    }
    steps.push({ step: i + 1, label, approver, reason: planned.reason, status: i === 0 ? "pending" : "waiting" })
  }
  return { policy: policy.name, steps, explanation: plan.explanation }
})

/** Whether a principal may decide a step. */
export const mayDecide = (principal: Principal, step: ApprovalStep): boolean => {
  if (step.delegatedTo !== undefined) return principal.userId === step.delegatedTo
  switch (step.approver.kind) {
    case "role":
      return principal.roles.includes(step.approver.role) || principal.roles.includes("admin")
    case "user":
      return principal.userId === step.approver.userId
    case "manager":
      return false
  }
}

/**
 * The filter of the requests whose current step a principal may decide (see `mayDecide`):
 * steps for the principal by name or as deputy, steps for one of its roles (for `admin`, every
 * role step), never the principal's own requests.
 */
export const awaitingDecisionOf = (principal: Principal): Storage.Filter<PurchaseRequest> => {
  const named = [`user:${principal.userId}`, ...principal.roles.map((role) => `role:${role}`)]
  return principal.roles.includes("admin")
    ? { $or: [{ awaitingDecisionBy: { in: named } }, { awaitingDecisionBy: { startsWith: "role:" } }] }
    : { awaitingDecisionBy: { in: named } }
}

export const describeApprover = (step: ApprovalStep): string =>
  step.delegatedTo !== undefined ? `${step.delegatedTo} (deputy)` : step.approver.kind === "role"
  ? `anyone with the role ${step.approver.role}`
  : step.approver.kind === "user"
  ? step.approver.userId
  : "the requester's manager"
