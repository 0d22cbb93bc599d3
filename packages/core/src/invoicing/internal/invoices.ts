/**
 * What invoicing offers other modules: loading an invoice; and the order's live invoices, which
 * the match and the variance read.
 *
 * @since 0.1.0
 */
import { Effect, Stream } from "effect"
import * as Storage from "../../Storage.js"
import { invoices } from "../InvoicingModel.js"

/**
 * Loads an invoice of the caller's tenant or fails with `NotFound`.
 *
 * @since 0.1.0
 * @category module api
 */
export const loadInvoice = (id: string) =>
  Effect.flatMap(Storage.Storage, (storage) => storage.getOrFail(invoices, id, "Invoice"))

/** The order's non-cancelled invoices (recorded before the `before`-th), in the order they were recorded. */
export const liveInvoicesOf = (purchaseOrderId: string, before?: number) =>
  Effect.flatMap(Storage.Storage, (storage) =>
    Stream.runCollect(storage.stream(invoices, {
      where: { purchaseOrderId, status: { ne: "cancelled" }, ...(before !== undefined ? { sequence: { lt: before } } : {}) },
      orderBy: [{ field: "sequence" }],
      limit: 1000
    })))
