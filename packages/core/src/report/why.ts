import type { BacktestResult } from "../backtest/result.js";
import type { ConditionTrace } from "../ir/trace.js";
import type { LocalTime } from "./local-time.js";

/**
 * Why a signal fired, as people read it: one definition for the CLI's
 * summary and `--explain` and the HTML report's trades. Browser-safe.
 */

/** A value as people read it in a trace: thousands separated, up to 4 decimals; `not warm` for null. */
function num(v: number | null): string {
  return v === null ? "not warm" : v.toLocaleString("en-US", { maximumFractionDigits: 4 });
}

const mark = (r: boolean | null): string => (r === null ? "(undecided)" : r ? "✓" : "✗");

/**
 * A condition's trace in one line, in the plan's words:
 * `close 3,712.5 > 3,700 ✓; volume 6,120 > 5,000 ✓; sma(close, 20) = 3,701.2;
 * sma(close, 20) of 1h = 3,701.2 from the 1h bar closed 2006-03-01 10:00`.
 * Higher-timeframe bars are named by their local close (their local open for daily bars).
 */
export function formatTrace(t: ConditionTrace, local: LocalTime): string {
  const parts: string[] = [];
  for (const c of t.comparisons) {
    const lit = (expr: string, v: number | null) => (expr === String(v) ? num(v) : `${expr} ${num(v)}`);
    parts.push(`${lit(c.leftExpr, c.left)} ${c.op} ${lit(c.rightExpr, c.right)} ${mark(c.result)}`);
  }
  if (t.comparisons.length === 0) parts.push(`${t.expr} ${mark(t.result)}`);
  // An indicator read through `of` is shown once, by its `of` entry (which names the bar it read).
  const viaOf = new Set(t.of.map((o) => o.expr));
  for (const i of t.indicators) {
    if (i.timeframe !== t.timeframe && viaOf.has(`${i.expr} of ${i.timeframe}`)) continue;
    parts.push(`${i.expr}${i.timeframe === t.timeframe ? "" : ` of ${i.timeframe}`} = ${num(i.value)}`);
  }
  for (const o of t.of) {
    const bar =
      o.barClose !== null
        ? ` from the ${o.timeframe} bar closed ${local.dateTime(Date.parse(o.barClose))}`
        : o.barOpen !== null
          ? ` from the ${o.timeframe} bar of ${local.date(Date.parse(o.barOpen))}`
          : ` (no ${o.timeframe} bar yet)`;
    parts.push(`${o.expr} = ${num(o.value)}${bar}`);
  }
  return parts.join("; ");
}

/** The traces of a signal (condition, then filter) in one line; the filter's parts follow `with`. */
export function formatWhy(why: readonly ConditionTrace[], local: LocalTime): string {
  return why.map((t, i) => (i === 0 ? formatTrace(t, local) : `with ${formatTrace(t, local)}`)).join("; ");
}

/**
 * The traces of the entry signals by symbol, rule line and time
 * (`entryWhyKey`): a trade's entry fill is at its signal's close (`--fill
 * close`) or the next bar's open, which is that same instant.
 */
export function entryWhy(result: BacktestResult): Map<string, readonly ConditionTrace[]> {
  const out = new Map<string, readonly ConditionTrace[]>();
  for (const s of result.signals)
    if (s.why && s.action !== "EXIT") out.set(entryWhyKey(s.symbol, s.rule, s.time), s.why);
  return out;
}

/** The key of a trade's entry in {@link entryWhy}. */
export function entryWhyKey(symbol: string, rule: number | null, time: string): string {
  return `${symbol}|${rule}|${time}`;
}
