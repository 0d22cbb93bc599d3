/**
 * What invoicing offers other modules: loading an invoice.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
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
