export { type Clock, ClockError, type ClockErrorCode, type TimerHandle } from "./clock.js";
export { RealClock } from "./real-clock.js";
export { VirtualClock } from "./virtual-clock.js";
