import { fileURLToPath } from "node:url";
import { Backtest, CsvBarReader, calendarForPlan, DEMO_DATA } from "@tradeplan/core";
import { generateDemoCsv, sessionCalendar } from "@tradeplan/core/internal";
import { z } from "zod";
import { EXIT } from "../errors.js";
import type { CliIO } from "../io.js";
import { compilePlanFile, renderBacktestSummary, writeReport } from "./backtest.js";
import { parseOptions, useColor } from "./shared.js";

/**
 * The demo plan ships in the package's assets/ folder (examples/plans/demo.plan
 * links to it): two folders above this module both as TypeScript source
 * (src/commands) and as built JavaScript (dist/commands).
 */
export const DEMO_PLAN = fileURLToPath(new URL("../../assets/demo.plan", import.meta.url));
export { DEMO_REPORT } from "./choices.js";

import { DEMO_REPORT } from "./choices.js";

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
  // Generated from its seed rather than read, so an installed CLI needs no data file: the text is byte-identical
  // to examples/data/demo-1m.csv (a test in the runtime checks it).
  const text = generateDemoCsv();
  const calendar = calendarForPlan(plan);
  const bt = new Backtest({ plan, calendar });
  const reader = new CsvBarReader(
    { symbol: DEMO_DATA.symbol, timezone: DEMO_DATA.timezone, file: "examples/data/demo-1m.csv" },
    (bar) => bt.feed(bar),
    (row) => {
      bt.reject(row);
      io.stderr.write(`${row.file}:${row.line}: ${row.reason}\n`);
    },
    sessionCalendar(calendar),
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
