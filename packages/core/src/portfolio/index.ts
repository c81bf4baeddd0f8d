export {
  type FxConfig,
  FxSchema,
  type InstrumentConfig,
  type InstrumentIssue,
  InstrumentSchema,
  type InstrumentSpec,
  Instruments,
  InstrumentsSchema,
  onTick,
  resolveInstruments,
  roundToTick,
} from "./instruments.js";
export {
  type Booking,
  type Execution,
  type FillEvent,
  type OpenPosition,
  Portfolio,
  type PortfolioPositionState,
  type PortfolioState,
  type Trade,
} from "./portfolio.js";
