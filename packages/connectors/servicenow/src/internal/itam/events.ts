/** The event the ITAM connector appends. */
import { Events } from "@procura/core"
import { z } from "zod"

export const ReceivingSlipMirrored = Events.define("servicenow.itam.receiving_slip_mirrored", {
  description: "A receipt's receiving slip and its lines exist in ServiceNow ITAM (proc_rec_slip, proc_rec_slip_item): " +
    "what the SPO connector waits for before it writes the read-only SPO receipt (seed 000).",
  aggregateType: "purchase_order",
  aggregateId: "purchaseOrderId",
  payload: z.object({
    receiptId: z.string(),
    purchaseOrderId: z.string(),
    slipSysId: z.string().describe("the proc_rec_slip record"),
    receivedBy: z.string(),
    receivedAt: z.string(),
    lines: z.array(z.object({
      lineNo: z.number().int(),
      quantity: z.number().int(),
      slipLineSysId: z.string().describe("the proc_rec_slip_item record")
    }))
  })
})

export const ReturnMirrored = Events.define("servicenow.itam.return_mirrored", {
  description: "A return to the vendor reached ServiceNow ITAM after the receipts before it: what the SPO connector follows to " +
    "write the return on the SPO order lines in the order the units were received and returned.",
  aggregateType: "purchase_order",
  aggregateId: "purchaseOrderId",
  payload: z.object({
    returnId: z.string(),
    purchaseOrderId: z.string(),
    returnedBy: z.string(),
    returnedAt: z.string(),
    lines: z.array(z.object({ lineNo: z.number().int(), quantity: z.number().int() }))
  })
})
