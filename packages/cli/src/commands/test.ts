import { z } from "zod";
import { EXIT, UsageError } from "../errors.js";
import type { CliIO } from "../io.js";
import { coverageTotals, percent } from "../plantest/coverage.js";
import { discoverTests } from "../plantest/discover.js";
import { jsonTestReport, renderJunit } from "../plantest/render-machine.js";
import { renderCoverage, renderSuitePretty, renderSuiteSummary } from "../plantest/render-pretty.js";
import { countSuite, runSuite } from "../plantest/suite.js";
import { sanitize } from "../render/text.js";
import { TEST_FORMATS } from "./choices.js";
import { bindSets, parseOptions, parseSets, SetOption, useColor } from "./shared.js";

export { TEST_FORMATS };

const TestOptionsSchema = z.object({
  format: z.enum(TEST_FORMATS).default("pretty"),
  coverage: z.boolean().default(false),
  minCoverage: z.coerce
    .number({ error: "must be a number from 0 to 100" })
    .refine((v) => Number.isFinite(v) && v >= 0 && v <= 100, "must be a number from 0 to 100")
    .optional(),
  run: z.string().trim().min(1, "must not be empty").optional(),
  set: SetOption,
  color: z.boolean().default(true),
});

export type TestCommandOptions = z.input<typeof TestOptionsSchema>;

/**
 * `tradeplan test [PATHS...]`: runs every case of every plan test file
 * found, through the same engine as `backtest`, and reports them. Exit 0
 * all passed (and coverage at least `--min-coverage`), 1 a case failed or
 * coverage is below the minimum, 2 a path, file or case could not be
 * loaded (every other case still runs and is reported), or a `--set`
 * names a param a tested plan does not declare or a value it refuses.
 */
export async function runTestCommand(
  paths: readonly string[],
  rawOptions: TestCommandOptions,
  io: CliIO,
): Promise<number> {
  const options = parseOptions(TestOptionsSchema, rawOptions);
  const color = useColor(io, options.color);
  const sets = parseSets(options.set);
  const found = await discoverTests(paths, io.cwd, io.fs);
  for (const p of found.problems) io.stderr.write(`error: ${sanitize(p)}\n`);
  if (found.files.length === 0) {
    if (found.problems.length === 0) throw new UsageError("no test files found");
    return EXIT.usage;
  }
  const report = await runSuite(found.files, io, {
    ...(options.run !== undefined ? { run: options.run } : {}),
    // Every plan the suite tests must declare every param set (one value means the same thing for all).
    ...(sets.size > 0 ? { bind: (analysis, text, shown) => bindSets(analysis, text, sets, shown) } : {}),
  });
  const counts = countSuite(report);
  if (options.run !== undefined && counts.skipped === counts.cases && counts.errors === 0) {
    throw new UsageError(`no case name contains \`${options.run}\` (--run)`);
  }
  const showCoverage = options.coverage || options.minCoverage !== undefined;
  const totals = coverageTotals(report.coverage);
  const ruleRate = percent(totals.rulesFired, totals.rules);
  const conditionRate = percent(totals.conditionsCovered, totals.conditions);
  const min = options.minCoverage;
  const below = min !== undefined && (ruleRate < min || conditionRate < min);
  const belowText =
    min !== undefined && below
      ? `error: coverage below --min-coverage ${min}%: rules fired ${ruleRate.toFixed(1)}%, conditions ${conditionRate.toFixed(1)}%\n`
      : "";
  switch (options.format) {
    case "pretty":
      io.stdout.write(renderSuitePretty(report, color));
      if (showCoverage) io.stdout.write(`\n${renderCoverage(report.coverage, color)}`);
      io.stdout.write(belowText);
      break;
    case "json":
      io.stdout.write(`${JSON.stringify(jsonTestReport(report, showCoverage), null, 2)}\n`);
      io.stderr.write(renderSuiteSummary(report, color) + belowText);
      break;
    case "junit":
      io.stdout.write(renderJunit(report));
      // Machine formats keep stdout clean; the summary goes to the log.
      io.stderr.write(renderSuiteSummary(report, color));
      if (showCoverage) io.stderr.write(renderCoverage(report.coverage, color));
      io.stderr.write(belowText);
      break;
  }
  if (found.problems.length > 0 || counts.errors > 0) return EXIT.usage;
  if (counts.failed > 0 || below) return EXIT.problems;
  return EXIT.ok;
}
