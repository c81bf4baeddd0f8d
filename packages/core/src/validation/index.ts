export { REJECT_REASONS, type RejectReason, type ValidationResult } from "./reasons.js";
export {
  BarShapeSchema,
  BarValidator,
  type BarValidatorConfig,
  BarValidatorConfigSchema,
  BarValidatorError,
} from "./validator.js";
