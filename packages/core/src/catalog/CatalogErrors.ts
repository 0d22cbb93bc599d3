/**
 * The errors of the catalog module.
 *
 * @since 0.1.0
 */
import { Data } from "effect"
import type { ImportReport } from "./CatalogModel.js"

/**
 * Why a catalog operation was refused.
 *
 * @since 0.1.0
 * @category models
 */
export type CatalogErrorReason =
  | "DuplicateCode"
  | "DuplicateSku"
  | "UnknownVendor"
  | "UnknownCatalogItem"
  | "DuplicateSupplierProduct"
  | "ImportRejected"

/**
 * A catalog operation was refused; nothing was written. An import refused because of problems
 * in its rows (`ImportRejected`) carries the report naming each row and field.
 *
 * @since 0.1.0
 * @category errors
 */
export class CatalogError extends Data.TaggedError("CatalogError")<{
  readonly reason: CatalogErrorReason
  readonly message: string
  readonly value?: string
  readonly report?: ImportReport
}> {}
