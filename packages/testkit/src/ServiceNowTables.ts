/**
 * The ServiceNow ITAM, SPO and SPM tables a simulated instance knows (`ServiceNowSimulator.make({
 * tables: ServiceNowTables.itamSpo.tables, rules: ServiceNowTables.itamSpo.rules })`, and
 * likewise `ServiceNowTables.spm`; spread both to have both): their reference fields, currency
 * fields, display fields, journal fields and the tables they extend, and the business rules of
 * the platform that connectors rely on.
 *
 * - ITAM Procurement: `proc_po`, `proc_po_item`, `proc_rec_slip`, `proc_rec_slip_item`; the
 *   assets `alm_hardware`, `alm_consumable`, `alm_license`; the references they point at
 *   (`core_company`, `sys_user`, `cmn_location`, `alm_stockroom`, `cmdb_model`).
 * - SPO: `sn_fin_supplier`, `sn_shop_supplier_product`, `sn_shop_purchase_requisition` and its
 *   lines `sn_shop_purchase_line`, `sn_shop_purchase_order` and `sn_shop_purchase_order_line`,
 *   `sn_shop_receipt`.
 * - SPM (Project Portfolio Management, in {@link spm}): `pm_program`, `pm_project` and
 *   `pm_project_task`, which extend `planned_task` (which extends `task`): `parent` and
 *   `top_task` reference `planned_task` and so any of them, `primary_program` a project's
 *   program, `work_notes` and `comments` are journal fields; and the task dependencies
 *   `planned_task_rel_planned_task` (`parent` the predecessor, `child` the successor, `type`,
 *   `lag`). Their states are in {@link plannedTaskStates}.
 *
 * Rules: records get their number on insert (`PO0001001`, `RS0001001`, `PR0001001`,
 * `SPO0001001`, `RCPT0001001`; SPM: `PRGM0001001`, `PRJ0001001`, `PRJTASK0001001`); a
 * receiving-slip line rolls up into its purchase order line's `received_quantity`,
 * `remaining_quantity` and `status` (and the order's `status` once every line is received), as
 * ITAM does; an SPO receipt rolls up into its order line's `received_quantity`.
 *
 * @since 0.2.0
 */
import type { BusinessRule, InputValue, Instance, StoredRecord, TableDefinition } from "./ServiceNowSimulator.js"

const asset: TableDefinition = {
  references: {
    model: "cmdb_model",
    stockroom: "alm_stockroom",
    location: "cmn_location",
    assigned_to: "sys_user",
    reserved_for: "sys_user",
    vendor: "core_company",
    purchase_line: "proc_po_item",
    receiving_line: "proc_rec_slip_item"
  },
  currencyFields: ["cost"],
  displayField: "asset_tag"
}

/**
 * The tables, by name.
 *
 * @since 0.2.0
 * @category tables
 */
export const tables: Readonly<Record<string, TableDefinition>> = {
  core_company: { displayField: "name" },
  sys_user: { displayField: "user_name" },
  cmn_location: { displayField: "name" },
  alm_stockroom: { references: { location: "cmn_location" }, displayField: "name" },
  cmdb_model: { displayField: "name" },
  proc_po: {
    references: { vendor: "core_company", ship_to: "alm_stockroom", requested_by: "sys_user", requested_for: "sys_user" },
    currencyFields: ["total_cost"]
  },
  proc_po_item: {
    references: { purchase_order: "proc_po", model: "cmdb_model", vendor: "core_company" },
    currencyFields: ["cost", "list_price", "total_cost"],
    displayField: "short_description"
  },
  proc_rec_slip: { references: { purchase_order: "proc_po", stockroom: "alm_stockroom" } },
  proc_rec_slip_item: {
    references: { receiving_slip: "proc_rec_slip", purchase_line: "proc_po_item", received_by: "sys_user" },
    currencyFields: ["cost"],
    displayField: "sys_id"
  },
  alm_hardware: asset,
  alm_consumable: asset,
  alm_license: asset,
  alm_asset: asset,
  sn_fin_supplier: { displayField: "name" },
  sn_shop_supplier_product: { references: { supplier: "sn_fin_supplier", product_model: "cmdb_model" }, currencyFields: ["price"] },
  sn_shop_purchase_requisition: { references: { supplier: "sn_fin_supplier", requested_for: "sys_user" }, currencyFields: ["total_amount"] },
  sn_shop_purchase_line: {
    references: { purchase_requisition: "sn_shop_purchase_requisition", supplier_product: "sn_shop_supplier_product" },
    currencyFields: ["negotiated_unit_price", "total_line_amount"],
    displayField: "short_description"
  },
  sn_shop_purchase_order: {
    references: { supplier: "sn_fin_supplier", purchase_requisition: "sn_shop_purchase_requisition" },
    currencyFields: ["total_amount"]
  },
  sn_shop_purchase_order_line: {
    references: { purchase_order: "sn_shop_purchase_order", purchase_line: "sn_shop_purchase_line", supplier_product: "sn_shop_supplier_product" },
    currencyFields: ["individual_unit_cost", "total_line_amount"],
    displayField: "short_description"
  },
  sn_shop_receipt: { references: { purchase_order_line: "sn_shop_purchase_order_line", received_by: "sys_user" } }
}

const numbering = (table: string, prefix: string): BusinessRule => ({
  table,
  when: "insert",
  run: (record, instance) => {
    if ((record["number"] ?? "") !== "") return
    instance.update(table, record["sys_id"]!, { number: `${prefix}${String(1000 + instance.records(table).length).padStart(7, "0")}` })
  }
})

const sumOf = (records: ReadonlyArray<StoredRecord>, field: string) => records.reduce((sum, r) => sum + Number(r[field] || "0"), 0)

/** ITAM: receiving-slip lines roll up into the purchase order line, and received lines into the order. */
const slipRollUp: BusinessRule = {
  table: "proc_rec_slip_item",
  when: "insert",
  run: (slipLine, instance) => {
    const lineId = slipLine["purchase_line"] ?? ""
    const line = instance.records("proc_po_item").find((r) => r["sys_id"] === lineId)
    if (line === undefined) return
    const received = sumOf(instance.records("proc_rec_slip_item").filter((r) => r["purchase_line"] === lineId), "quantity")
    const ordered = Number(line["ordered_quantity"] || "0")
    const remaining = Math.max(0, ordered - received)
    const values: Record<string, InputValue> = { received_quantity: received, remaining_quantity: remaining }
    if (remaining === 0) values["status"] = "received"
    instance.update("proc_po_item", lineId, values)
    const orderId = line["purchase_order"] ?? ""
    const lines = instance.records("proc_po_item").filter((r) => r["purchase_order"] === orderId)
    if (lines.length > 0 && lines.every((r) => r["status"] === "received" || r["status"] === "canceled")) {
      instance.update("proc_po", orderId, { status: "received" })
    }
  }
}

/** SPO: a receipt rolls up into its purchase order line's received quantity. */
const receiptRollUp: BusinessRule = {
  table: "sn_shop_receipt",
  when: "insert",
  run: (receipt, instance: Instance) => {
    const lineId = receipt["purchase_order_line"] ?? ""
    const received = sumOf(instance.records("sn_shop_receipt").filter((r) => r["purchase_order_line"] === lineId), "quantity_received")
    instance.update("sn_shop_purchase_order_line", lineId, { received_quantity: received })
  }
}

/**
 * The business rules, in the order they run.
 *
 * @since 0.2.0
 * @category rules
 */
export const rules: ReadonlyArray<BusinessRule> = [
  numbering("proc_po", "PO"),
  numbering("proc_rec_slip", "RS"),
  numbering("sn_shop_purchase_requisition", "PR"),
  numbering("sn_shop_purchase_order", "SPO"),
  numbering("sn_shop_receipt", "RCPT"),
  slipRollUp,
  receiptRollUp
]

/**
 * Tables and rules together, to spread into the simulator's options.
 *
 * @since 0.2.0
 * @category tables
 */
export const itamSpo = { tables, rules } as const


// ---------------------------------------------------------------------------------------------
// SPM
// ---------------------------------------------------------------------------------------------

/**
 * The `state` values of a planned task (`pm_program`, `pm_project`, `pm_project_task`), as
 * stored.
 *
 * @since 0.3.0
 * @category models
 */
export const plannedTaskStates = {
  pending: "-5",
  open: "1",
  workInProgress: "2",
  closedComplete: "3",
  closedIncomplete: "4",
  closedSkipped: "7"
} as const

const spmTables: Readonly<Record<string, TableDefinition>> = {
  planned_task: {
    extends: "task",
    references: { parent: "planned_task", top_task: "planned_task" },
    journalFields: ["work_notes", "comments"]
  },
  pm_program: { extends: "planned_task" },
  pm_project: { extends: "planned_task", references: { primary_program: "pm_program" } },
  pm_project_task: { extends: "planned_task" },
  planned_task_rel_planned_task: { references: { parent: "planned_task", child: "planned_task" } }
}

const spmRules: ReadonlyArray<BusinessRule> = [
  numbering("pm_program", "PRGM"),
  numbering("pm_project", "PRJ"),
  numbering("pm_project_task", "PRJTASK")
]

/**
 * The SPM (Project Portfolio Management) tables and their numbering rules, to spread into the
 * simulator's options alone or with {@link itamSpo} (`tables: { ...itamSpo.tables,
 * ...spm.tables }, rules: [...itamSpo.rules, ...spm.rules]`).
 *
 * - `planned_task` (extends `task`): `parent` and `top_task` reference `planned_task`, so they
 *   resolve to a program, a project or a project task alike; `work_notes` and `comments` are
 *   journal fields (kept in `sys_journal_field`, read back empty).
 * - `pm_program`, `pm_project` (`primary_program` -> `pm_program`) and `pm_project_task`
 *   extend `planned_task`: numbered `PRGM0001001`, `PRJ0001001`, `PRJTASK0001001` on insert.
 * - `planned_task_rel_planned_task`: a dependency, `parent` the predecessor and `child` the
 *   successor (both `planned_task`), `type` (e.g. `fs`) and `lag`.
 *
 * The simulator's `POST /api/now/ppm/insert_project_tasks` writes these tables.
 *
 * @since 0.3.0
 * @category tables
 */
export const spm = { tables: spmTables, rules: spmRules } as const
