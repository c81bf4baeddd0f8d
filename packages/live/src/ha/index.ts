export { type IntentStore, LeaderIntents, type LeaseHolding } from "./intents.js";
export { type Acquirable, standBy } from "./standby.js";
