export type {
  Broker,
  BrokerEvent,
  BrokerListener,
  BrokerOrder,
  Fill,
  OrderAck,
  OrderStatus,
  PriceLevel,
  Trade,
} from "./broker.js";
export {
  PaperBroker,
  type PaperBrokerConfig,
  PaperBrokerConfigSchema,
  type PaperBrokerOptions,
  type PaperBrokerState,
  type PaperLotState,
} from "./paper.js";
