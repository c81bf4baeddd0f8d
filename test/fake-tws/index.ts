export { ClientReader, fields, frame } from "./framing.js";
export * as wire from "./messages.js";
export {
  FakeTws,
  type FakeTwsOptions,
  type OrderPlan,
  type Received,
  type ReceivedOrder,
  type SeededOrder,
  startFakeTws,
} from "./server.js";
