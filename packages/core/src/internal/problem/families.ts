/**
 * The core's status table: one {@link Family} declaration per error family of the core (every
 * error a core operation, the Promise facade, the storage port, delivery and plugin composition
 * can fail with), each with its title and its status per reason. Data only; a new error family or
 * reason of the core gets its status here. Private to core; the public face is the `Problem`
 * module.
 */
import type { AccessDenied, NotFound, OperationRefused, ValidationError } from "../../Errors.js"
import type { IdempotencyKeyReused } from "../../Idempotency.js"
import type { MappingConflict } from "../../Connector.js"
import type { DeliveryError } from "../../Delivery.js"
import type { EventDecodeError } from "../../Events.js"
import type { PluginError } from "../../Plugin.js"
import type { MissingPrincipal, UnknownOperation } from "../../promise.js"
import type { StorageError } from "../../Storage.js"
import type { AssetError, TemplatesMissing } from "../../assets/Assets.js"
import type { CatalogError } from "../../catalog/Catalog.js"
import type { InvoicingError } from "../../invoicing/Invoicing.js"
import type { LicensingError } from "../../licensing/Licensing.js"
import type { PurchasingError } from "../../purchasing/Purchasing.js"
import type { ReceivingError } from "../../receiving/Receiving.js"
import type { ReturnError } from "../../receiving/Returns.js"
import type { ApprovalPolicyError } from "../../requisition/ApprovalPolicy.js"
import type { RequisitionError } from "../../requisition/Requisition.js"
import type { DecisionTableError } from "../../rules/DecisionTable.js"
import type { ShippingError } from "../../shipping/Shipping.js"
import type { StockError } from "../../stock/Stock.js"
import { family } from "./family.js"

/**
 * The core's error families, by tag: every error a core operation, the Promise facade, the
 * storage port, delivery and plugin composition can fail with.
 *
 * @since 0.1.0
 * @category constants
 */
export const families = {
  ValidationError: family<ValidationError>({ tag: "ValidationError", title: "Invalid input", status: 400 }),
  AccessDenied: family<AccessDenied>({ tag: "AccessDenied", title: "Access denied", status: 403 }),
  NotFound: family<NotFound>({ tag: "NotFound", title: "Not found", status: 404 }),
  OperationRefused: family<OperationRefused>({ tag: "OperationRefused", title: "Operation switched off", status: 422 }),
  IdempotencyKeyReused: family<IdempotencyKeyReused>({ tag: "IdempotencyKeyReused", title: "Idempotency key reused", status: 422 }),
  MissingPrincipal: family<MissingPrincipal>({ tag: "MissingPrincipal", title: "No principal", status: 401 }),
  UnknownOperation: family<UnknownOperation>({ tag: "UnknownOperation", title: "Unknown operation", status: 404 }),
  StorageError: family<StorageError>({
    tag: "StorageError",
    title: "Storage failure",
    reasons: { UniqueViolation: 409, StaleVersion: 409, NotFound: 404, InvalidInput: 400, Unavailable: 503 }
  }),
  DeliveryError: family<DeliveryError>({
    tag: "DeliveryError",
    title: "Delivery refused",
    reasons: { UnknownDeadLetter: 404, UnknownSubscriber: 404 }
  }),
  MappingConflict: family<MappingConflict>({ tag: "MappingConflict", title: "Mapping record refused", status: 409 }),
  EventDecodeError: family<EventDecodeError>({ tag: "EventDecodeError", title: "Malformed event", status: 422, rename: { type: "eventType" } }),
  PluginError: family<PluginError>({
    tag: "PluginError",
    title: "Plugins could not start",
    reasons: {
      InvalidConfig: 400,
      UnknownPlugin: 400,
      UnknownPermission: 400,
      DuplicatePlugin: 409,
      ResponsibilityConflict: 409,
      PermissionConflict: 409
    }
  }),
  DecisionTableError: family<DecisionTableError>({
    tag: "DecisionTableError",
    title: "Decision table failure",
    reasons: { InvalidTable: 400, InvalidInput: 422, AmbiguousMatch: 422 }
  }),
  ApprovalPolicyError: family<ApprovalPolicyError>({ tag: "ApprovalPolicyError", title: "No approval chain", status: 422 }),
  CatalogError: family<CatalogError>({
    tag: "CatalogError",
    title: "Catalog change refused",
    reasons: {
      DuplicateCode: 409,
      DuplicateSku: 409,
      DuplicateSupplierProduct: 409,
      UnknownVendor: 422,
      UnknownCatalogItem: 422,
      ImportRejected: 422
    }
  }),
  RequisitionError: family<RequisitionError>({
    tag: "RequisitionError",
    title: "Request refused",
    reasons: {
      InvalidState: 409,
      UnknownCatalogItem: 422,
      VendorNotApproved: 422,
      NoSource: 422,
      WrongChannel: 422,
      MixedCurrencies: 422,
      NoApprover: 422,
      SelfApproval: 403
    }
  }),
  PurchasingError: family<PurchasingError>({
    tag: "PurchasingError",
    title: "Purchase order change refused",
    reasons: {
      RequestNotApproved: 409,
      InvalidState: 409,
      LineReceived: 409,
      SeatsAssigned: 409,
      NothingToCancel: 409,
      UnknownLine: 422,
      BelowReceived: 409,
      NoLinesLeft: 422,
      SoftwareLine: 422,
      UnknownCatalogItem: 422,
      VendorNotApproved: 422,
      CurrencyMismatch: 422,
      NoChange: 422,
      OverCancel: 409,
      UnknownVendor: 422,
      ReferenceReused: 409
    }
  }),
  ReceivingError: family<ReceivingError>({
    tag: "ReceivingError",
    title: "Receipt refused",
    reasons: {
      InvalidState: 409,
      DuplicateSerialNumber: 409,
      OverReceipt: 409,
      NotReceivable: 422,
      UnknownLine: 422,
      DuplicateLine: 422,
      NotAnAssetLine: 422,
      ExceedsShipment: 409,
      ExceedsInvoice: 409,
      NothingReceived: 422,
      BatchReused: 422
    }
  }),
  ReturnError: family<ReturnError>({
    tag: "ReturnError",
    title: "Return refused",
    reasons: {
      InvalidState: 409,
      UnknownLine: 422,
      NotReturnable: 422,
      AssetsRequired: 422,
      NotAnAssetLine: 422,
      PlaceRequired: 422,
      NotOnLine: 422,
      ExceedsReceived: 409
    }
  }),
  ShippingError: family<ShippingError>({
    tag: "ShippingError",
    title: "Shipment refused",
    reasons: {
      InvalidState: 409,
      DuplicateSerialNumber: 409,
      UnknownLine: 422,
      DuplicateLine: 422,
      OverShipment: 409,
      NotReceivable: 422,
      TooManySerialNumbers: 422,
      NotAnAssetLine: 422,
      InvoiceMismatch: 422
    }
  }),
  AssetError: family<AssetError>({
    tag: "AssetError",
    title: "Asset change refused",
    reasons: { InvalidTransition: 409, NotInUse: 409, NotInStock: 409, TagTaken: 409, SameStorageSpace: 422 }
  }),
  TemplatesMissing: family<TemplatesMissing>({ tag: "TemplatesMissing", title: "Template assets missing", status: 409 }),
  LicensingError: family<LicensingError>({
    tag: "LicensingError",
    title: "Licensing refused",
    reasons: { NoSeatsAvailable: 409, AlreadyAssigned: 409, NotAssigned: 409, Expired: 409, InvalidTerm: 422 }
  }),
  InvoicingError: family<InvoicingError>({
    tag: "InvoicingError",
    title: "Invoice refused",
    reasons: {
      InvalidState: 409,
      DuplicateInvoiceNumber: 409,
      UnknownLine: 422,
      DuplicateLine: 422,
      CurrencyMismatch: 422,
      MatchExceptions: 422,
      NoException: 422
    }
  }),
  StockError: family<StockError>({ tag: "StockError", title: "Stock movement refused", reasons: { InsufficientStock: 409 } })
} as const
