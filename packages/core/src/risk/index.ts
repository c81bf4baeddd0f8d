export { mergeRiskConfig, type RiskConfig, RiskConfigError, RiskConfigSchema } from "./config.js";
export {
  type RiskDecision,
  type RiskOrder,
  type RiskReasonCode,
  RiskValidator,
  type RiskValidatorState,
  type TradingState,
} from "./validator.js";
