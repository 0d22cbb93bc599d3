/**
 * What receiving offers other modules about receivability: shipment creation admits lines and
 * quantities by the same rule receipts do.
 *
 * @since 0.1.0
 */
export {
  admitLine,
  admitSerialNumbers,
  admitShipped,
  isReceiving,
  isRefusal,
  remainingOnShipment,
  unitsInTransit
} from "../Receivability.js"
export type { LineRefusal } from "../Receivability.js"
