export { TEST_CODES, type TestCode } from "./codes.js";
export {
  type CoverageTotals,
  classifyEvaluation,
  coverageTotals,
  type EvaluationClass,
  type PlanCoverage,
  percent,
  type RuleCoverage,
} from "./coverage.js";
export { discoverTests, isTestFileName } from "./discover.js";
export type { Failure } from "./expect.js";
export { type LoadedFile, loadTestFile, siblingPlanPath } from "./load.js";
export { type JsonTestReport, jsonTestReport, renderJunit, TEST_REPORT_VERSION, xmlEscape } from "./render-machine.js";
export { renderCoverage, renderSuitePretty, renderSuiteSummary } from "./render-pretty.js";
export { resolveRule } from "./rules.js";
export { type CaseReport, type CaseStatus, countSuite, type FileReport, runSuite, type SuiteReport } from "./suite.js";
