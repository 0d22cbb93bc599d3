/** ITAM's state values, and Procura's statuses in them. */

/** A Procura asset status. */
export type AssetStatus = "on_order" | "in_stock" | "in_use" | "in_maintenance" | "retired" | "missing" | "returned"

export const installStatus: { readonly [S in AssetStatus]: { readonly installStatus: string; readonly substatus: string } } = {
  on_order: { installStatus: "2", substatus: "" },
  in_stock: { installStatus: "6", substatus: "available" },
  in_use: { installStatus: "1", substatus: "" },
  in_maintenance: { installStatus: "3", substatus: "" },
  retired: { installStatus: "7", substatus: "" },
  missing: { installStatus: "8", substatus: "lost" },
  returned: { installStatus: "7", substatus: "vendor_credit" }
}

export const assetStatusOf = (installStatusValue: string, substatus: string): AssetStatus | undefined => {
  switch (installStatusValue) {
    case "1":
      return "in_use"
    case "2":
      return "on_order"
    case "3":
      return "in_maintenance"
    case "6":
      return "in_stock"
    case "7":
      return substatus === "vendor_credit" ? "returned" : "retired"
    case "8":
      return "missing"
    case "10":
      return "retired"
    default:
      return undefined
  }
}

export const purchaseOrderStatus = {
  draft: "requested",
  submitted: "ordered",
  partially_received: "ordered",
  received: "received",
  cancelled: "canceled"
} as const

/** The ITAM asset table of a Procura item kind. */
export const assetTable = (kind: string): "alm_hardware" | "alm_consumable" => kind === "consumable" ? "alm_consumable" : "alm_hardware"

/** References resolved by matching a Procura value against a field of another table. */
export const referenceRules = (config: { readonly userField: string; readonly locationField: string }) => ({
  user: { kind: "user", table: "sys_user", field: config.userField },
  location: { kind: "location", table: "cmn_location", field: config.locationField }
}) as const
