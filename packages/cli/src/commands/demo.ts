import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  Backtest,
  CsvBarReader,
  calendarFor,
  DEMO_DATA,
  generateDemoCsv,
  sessionDailyBounds,
} from "@tradeplan/runtime";
import type { Command } from "commander";
import { z } from "zod";
import { EXIT } from "../errors.js";
import type { CliIO } from "../io.js";
import type { CommandRegistrar } from "../program.js";
import { compilePlanFile, renderBacktestSummary, writeReport } from "./backtest.js";
import { parseOptions, useColor } from "./shared.js";

/**
 * The repository's `examples` folder: the nearest one above this module that
 * holds the demo plan. The module is either its TypeScript source
 * (packages/cli/src/commands) or inside the CLI bundle (packages/cli/dist),
 * so a fixed relative path would fit only one of them.
 */
function findExamples(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "examples");
    if (existsSync(join(candidate, "plans", "demo.plan"))) return candidate;
    const up = dirname(dir);
    // Not found (the CLI copied out of the repository): keep the source layout's path, so the error names it.
    if (up === dir) return fileURLToPath(new URL("../../../../examples/", import.meta.url));
    dir = up;
  }
}

const EXAMPLES = findExamples();
export const DEMO_PLAN = join(EXAMPLES, "plans", "demo.plan");
export const DEMO_CSV = join(EXAMPLES, "data", "demo-1m.csv");
export const DEMO_REPORT = "tradeplan-demo-report.html";

const DemoOptionsSchema = z.object({
  report: z.string().trim().min(1, "must name a file").default(DEMO_REPORT),
  color: z.boolean().default(true),
});

export type DemoOptions = z.input<typeof DemoOptionsSchema>;

/**
 * `tradeplan demo`: runs the bundled breakout plan (examples/plans/demo.plan)
 * on the bundled synthetic data (examples/data/demo-1m.csv: 20 NYSE sessions
 * of 1-minute bars), prints the summary and writes the HTML report. Needs no
 * network and no input. The data is regenerated from its seed when the file
 * is absent (the result is byte-identical, a test checks it).
 */
export async function runDemo(rawOptions: DemoOptions, io: CliIO): Promise<number> {
  const options = parseOptions(DemoOptionsSchema, rawOptions);
  const compiled = await compilePlanFile(DEMO_PLAN, undefined, io, useColor(io, options.color));
  if (!compiled) return EXIT.problems;
  const { plan } = compiled;
  const text = existsSync(DEMO_CSV) ? new TextDecoder().decode(await io.fs.readFile(DEMO_CSV)) : generateDemoCsv();
  const calendar = calendarFor(plan.session, plan.timezone);
  const bt = new Backtest({ plan, calendar });
  const reader = new CsvBarReader(
    { symbol: DEMO_DATA.symbol, timezone: DEMO_DATA.timezone, file: "examples/data/demo-1m.csv" },
    (bar) => bt.feed(bar),
    (row) => {
      bt.reject(row);
      io.stderr.write(`${row.file}:${row.line}: ${row.reason}\n`);
    },
    sessionDailyBounds(calendar),
  );
  reader.push(text);
  reader.end();
  const outcome = bt.finish();
  io.stdout.write(
    renderBacktestSummary(
      outcome.result,
      `bundled data: ${DEMO_DATA.sessions} sessions of ${DEMO_DATA.interval} bars from ${DEMO_DATA.from}`,
      10,
    ),
  );
  const where = await writeReport(outcome, options.report, io);
  io.stdout.write(`\nreport written to ${where} — open it in a browser\n`);
  return EXIT.ok;
}

/** Registers `tradeplan demo`. */
export const registerDemo: CommandRegistrar = (program: Command, ctx) => {
  program
    .command("demo")
    .description("backtest the bundled example plan on bundled data and write an HTML report")
    .option("--report <file>", "where to write the report", DEMO_REPORT)
    .option("--no-color", "never color the output")
    .action(async (opts: DemoOptions) => {
      ctx.setExitCode(await runDemo(opts, ctx.io));
    });
};
