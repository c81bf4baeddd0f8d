import {
  type BacktestOutcome,
  type BarData,
  calendarFor,
  DEMO_DATA,
  generateBars,
  runBacktest,
  tradingSessions,
} from "@tradeplan/core";
import { analyze, type CompiledPlan, type Diagnostic } from "@tradeplan/dsl";

/** Why a playground backtest produced no result; stable codes for the page and tests. */
export type PlaygroundRunErrorCode = "PG_PLAN_ERRORS" | "PG_BACKTEST_FAILED";

export type PlaygroundRun =
  | {
      readonly ok: true;
      readonly plan: CompiledPlan;
      readonly outcome: BacktestOutcome;
      /** Warnings of the plan (errors stop the run). */
      readonly diagnostics: readonly Diagnostic[];
      /** One line saying which data the run used. */
      readonly dataLabel: string;
    }
  | {
      readonly ok: false;
      readonly code: PlaygroundRunErrorCode;
      readonly message: string;
      readonly diagnostics: readonly Diagnostic[];
    };

/**
 * The bundled demo data for every symbol of a plan, generated in the browser
 * with the seed of examples/data/demo-1m.csv: for the symbol `DEMO` these are
 * exactly the bars of that file (the runtime's tests pin the file to the
 * generator), other symbols get their own seed so that they differ.
 */
export function demoBars(symbols: readonly string[]): BarData[] {
  const sessions = tradingSessions(calendarFor("regular"), DEMO_DATA.from, DEMO_DATA.sessions);
  const perSymbol = symbols.map((symbol, i) => [
    ...generateBars(
      {
        symbol,
        seed: symbol === DEMO_DATA.symbol ? DEMO_DATA.seed : (DEMO_DATA.seed + 7919 * (i + 1)) >>> 0,
        interval: DEMO_DATA.interval,
        startPrice: DEMO_DATA.startPrice,
      },
      sessions,
    ),
  ]);
  // One time-ordered stream (per symbol order is what the backtest needs; merging keeps the broker's clock monotonic).
  return perSymbol.flat().sort((a, b) => a.time - b.time || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
}

/**
 * Compiles `source` and backtests it on the bundled demo data, all in
 * memory: what the playground's Backtest button runs. Never throws: a plan
 * with errors or a run that fails comes back as `ok: false` with the reason.
 */
export function runPlaygroundBacktest(source: string): PlaygroundRun {
  const analysis = analyze(source, { symbol: DEMO_DATA.symbol, fileName: "playground.plan" });
  const errors = analysis.diagnostics.filter((d) => d.severity === "error");
  if (!analysis.compiled || errors.length > 0) {
    const first = errors[0];
    return {
      ok: false,
      code: "PG_PLAN_ERRORS",
      message: first
        ? `the plan has ${errors.length} error${errors.length === 1 ? "" : "s"}; first: ${first.code} at line ${first.span.start.line}: ${first.message}`
        : "the plan did not compile",
      diagnostics: analysis.diagnostics,
    };
  }
  const plan = analysis.compiled;
  try {
    const outcome = runBacktest({ plan, chartPoints: 1200 }, demoBars(plan.symbols));
    return {
      ok: true,
      plan,
      outcome,
      diagnostics: analysis.diagnostics,
      dataLabel: `bundled demo data: ${DEMO_DATA.sessions} NYSE sessions of ${DEMO_DATA.interval} bars from ${DEMO_DATA.from} (${plan.symbols.join(", ")})`,
    };
  } catch (e) {
    return {
      ok: false,
      code: "PG_BACKTEST_FAILED",
      message: `the backtest stopped: ${e instanceof Error ? e.message : String(e)}`,
      diagnostics: analysis.diagnostics,
    };
  }
}
