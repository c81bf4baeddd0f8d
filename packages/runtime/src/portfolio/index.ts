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
