/**
 * Tolerances: how far a delivery or an invoice may stray from the purchase order before it is
 * refused (receiving) or flagged as an exception (three-way match). The policy and its schema
 * live in `TolerancesModel.ts`; how receipts apply it lives in `receiving/Receivability.ts`.
 *
 * @since 0.1.0
 */
export * from "./TolerancesModel.js"
