import type { AnalyzeOptions } from "../analyze.js";
import type { LetDecl, NameExpr, PlanFile } from "../ast.js";
import type { DiagnosticCollector } from "../diagnostics.js";
import type { SemanticModel } from "../semantic.js";
import { checkHeader } from "./header.js";
import { checkKinds } from "./kinds.js";
import { checkLogic } from "./logic.js";
import { checkLookback } from "./lookback.js";
import { checkModifiers } from "./modifiers.js";
import { checkNames } from "./names.js";
import { validateOptions } from "./options.js";
import { checkTimeframes } from "./timeframes.js";
import { checkWindows } from "./windows.js";

export {
  INDICATOR_NAMES,
  INDICATORS,
  type IndicatorInfo,
  type IndicatorName,
  type IndicatorParam,
} from "./indicators.js";
export { irLookback, type LookbackTerm, lookbackStep, type StreamLookback } from "./lookback.js";
export { DEFAULT_BAR_CACHE_SIZE } from "./options.js";
export { didYouMean, editDistance } from "./suggest.js";
export { timeframeProblem } from "./timeframes.js";
export { canonicalTimeZone, DEFAULT_TIMEZONE } from "./timezone.js";
export { SESSION_HOURS } from "./windows.js";

/**
 * Checks a parsed plan: every pass reports into `diagnostics` (nothing
 * throws for a bad plan, so one run shows every problem) and the result is
 * the semantic model the compiler and the language server read.
 *
 * @throws RangeError when `options` themselves are malformed (e.g.
 * `barCacheSize: 0`): they come from the caller, not from the plan.
 */
export function check(ast: PlanFile, diagnostics: DiagnosticCollector, options: AnalyzeOptions): SemanticModel {
  const opts = validateOptions(options);
  const settings = checkHeader(ast, diagnostics, opts);
  const names = checkNames(ast, diagnostics);
  checkTimeframes(ast, diagnostics);
  const kinds = checkKinds(ast, names, diagnostics);
  checkWindows(ast, settings, diagnostics);
  const ruleInfos = checkLookback(ast, names, opts.barCacheSize, diagnostics);
  checkLogic(ast, names, kinds, diagnostics);
  checkModifiers(ast, names, kinds, diagnostics);

  const none: readonly NameExpr[] = [];
  return {
    settings,
    kindOf: (e) => kinds.kindOf(e),
    lets: names.lets,
    resolve: (e: NameExpr): LetDecl | undefined => names.resolved.get(e),
    references: (decl) => names.references.get(decl) ?? none,
    ruleInfo: (rule) => ruleInfos.get(rule),
  };
}
