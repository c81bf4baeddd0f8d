import type { ExplainedRule } from "@tradeplan/core";
import { formatTrace } from "@tradeplan/core/internal";
import type { LocalTime } from "./local-time.js";

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
