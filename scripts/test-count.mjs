// Prints `N passed, N failed` from vitest's JSON report, the line CI records.
import { existsSync, readFileSync } from "node:fs";

const file = process.argv[2] ?? ".vitest-results.json";
if (!existsSync(file)) {
  console.log("0 passed, 1 failed");
  console.error(`no vitest report at ${file}: the test run did not finish`);
  process.exit(0);
}
const r = JSON.parse(readFileSync(file, "utf8"));
// A suite that fails to load has no failed tests of its own; count it so a broken import is never "0 failed".
const failed = Math.max(r.numFailedTests ?? 0, r.numFailedTestSuites ?? 0) + (r.numRuntimeErrorTestSuites ?? 0);
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`${r.numPassedTests ?? 0} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
