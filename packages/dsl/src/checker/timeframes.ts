import type { PlanFile, Statement, Timeframe } from "../ast.js";
import type { DiagnosticCollector } from "../diagnostics.js";
import { suggestion } from "./suggest.js";
import { forEachStatementExpr, visitExprsOfType } from "./walk.js";

/**
 * Timeframes the feed can build (E0301). Bars are aggregated from a
 * 5-second base feed, so seconds come in steps of 5; minutes and hours are
 * capped at one day, and days are `1d` only (longer bars would span
 * weekends and holidays, which the calendar does not define).
 */

export interface TimeframeProblem {
  /** Why the timeframe is refused (a label). */
  readonly reason: string;
  /** A nearby timeframe the feed can build. */
  readonly instead?: string;
}

/** Why the feed cannot build `tf`, or undefined when it can. */
export function timeframeProblem(tf: Pick<Timeframe, "raw" | "amount" | "unit">): TimeframeProblem | undefined {
  const { amount, unit } = tf;
  if (!Number.isInteger(amount) || amount <= 0) {
    return { reason: "a timeframe needs a positive length", instead: `1${unit}` };
  }
  if (/^0/.test(tf.raw)) return { reason: "write the length without leading zeros", instead: `${amount}${unit}` };
  switch (unit) {
    case "s":
      if (amount % 5 === 0) return undefined;
      return { reason: "seconds must be a multiple of 5", instead: `${Math.max(5, Math.round(amount / 5) * 5)}s` };
    case "m":
      return amount <= 1440 ? undefined : { reason: "at most `1440m` (one day)", instead: "1d" };
    case "h":
      return amount <= 24 ? undefined : { reason: "at most `24h` (one day)", instead: "1d" };
    case "d":
      return amount === 1 ? undefined : { reason: "only `1d` bars exist for days", instead: "1d" };
  }
}

function checkOne(tf: Timeframe, diagnostics: DiagnosticCollector): void {
  const p = timeframeProblem(tf);
  if (!p) return;
  diagnostics.error("E0301", tf.span, `the feed cannot build \`${tf.raw}\` bars`, {
    label: p.reason,
    ...(p.instead ? suggestion(tf.span, p.instead) : {}),
  });
}

/** Checks rule timeframes and every `x of TF`. */
export function checkTimeframes(ast: PlanFile, diagnostics: DiagnosticCollector): void {
  for (const s of ast.statements) checkStatementTimeframes(s, diagnostics);
}

/** One statement's timeframes: its rule timeframe and every `x of TF` in it. */
export function checkStatementTimeframes(s: Statement, diagnostics: DiagnosticCollector): void {
  if (s.type === "ConditionRule" || s.type === "TrailingStopRule") checkOne(s.timeframe, diagnostics);
  forEachStatementExpr(s, (root) => visitExprsOfType(root, "Of", (e) => checkOne(e.timeframe, diagnostics)));
}
