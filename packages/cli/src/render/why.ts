import type { ConditionTrace, ExplainedRule } from "@tradeplan/runtime";
import type { LocalTime } from "./local-time.js";

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

/** `tradeplan backtest --explain`: every rule evaluated at the close, what it decided and on which values. */
export function renderExplain(rules: readonly ExplainedRule[], shown: string, local: LocalTime): string {
  const lines = [`rules evaluated at the close ${shown} (${local.zone}):`];
  for (const r of rules) {
    const fired = r.action === "NONE" ? "did not fire" : `fired ${r.action}`;
    lines.push(`  line ${r.line} ${r.function} on ${r.symbol} ${r.timeframe}: ${fired}`);
    if (r.why)
      for (const [i, t] of r.why.entries()) lines.push(`    ${i === 0 ? "" : "with "}${formatTrace(t, local)}`);
    else lines.push(`    ${r.reasoning}`);
  }
  return `${lines.join("\n")}\n`;
}
