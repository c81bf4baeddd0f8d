import type { OptimizeDocument, VariantRow, WalkForwardSection } from "./document.js";
import { fixed, money, objectiveLabel, objectiveText, PlanTime, paramText, spaceText } from "./format.js";

/** A table: each column right-aligned except the first `left` ones, two spaces apart. */
function table(header: readonly string[], rows: readonly (readonly string[])[], left = 0): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i < left ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].map((l) => `  ${l}`);
}

/** The lines that say what was swept and on what. */
function heading(doc: OptimizeDocument): string[] {
  const time = new PlanTime(doc.plan.timezone);
  const span = doc.data.first && doc.data.last ? `, ${time.date(doc.data.first)} .. ${time.date(doc.data.last)}` : "";
  const search =
    doc.search.method === "grid"
      ? `grid of ${doc.search.variants} variants`
      : `random search, ${doc.search.variants} variants drawn with seed ${doc.search.seed}`;
  return [
    `${doc.plan.name} on ${doc.plan.symbol}: ${doc.data.file}, ${doc.data.bars.toLocaleString("en-US")} bars${span} (${doc.plan.timezone})`,
    `  ${search}: ${spaceText(doc)}`,
    `  objective ${objectiveLabel(doc)}, at least ${doc.minTrades} trade${doc.minTrades === 1 ? "" : "s"}`,
  ];
}

/** The rows of the top table. */
function variantTable(doc: OptimizeDocument, rows: readonly VariantRow[]): string[] {
  const names = doc.space.filter((p) => p.min !== p.max).map((p) => p.name);
  const header = ["rank", ...names, "objective", "net P&L", "trades", "win %", "Sharpe", "PF", "max DD"];
  const body = rows.map((r) => [
    r.rank === null ? "-" : String(r.rank),
    ...names.map((n) => paramText(doc, n, r.params[n])),
    objectiveText(doc, r.objective),
    money(r.netPnl),
    r.trades === null ? "-" : String(r.trades),
    fixed(r.winRate, 1),
    fixed(r.sharpe),
    fixed(r.profitFactor),
    money(r.maxDrawdown),
  ]);
  return table(header, body);
}

/** `0.62`, with what it means. */
function dsrText(v: number | null, tried: number): string {
  return v === null
    ? `deflated Sharpe ratio n/a (too few days or no variance)`
    : `deflated Sharpe ratio ${v.toFixed(2)}: the chance the best variant's edge is real, given ${tried} tried`;
}

function walkForwardLines(doc: OptimizeDocument, wf: WalkForwardSection): string[] {
  const time = new PlanTime(doc.plan.timezone);
  const names = doc.space.filter((p) => p.min !== p.max).map((p) => p.name);
  const lines = [
    "",
    `  walk-forward train=${wf.train} test=${wf.test}, ${wf.anchored ? "anchored" : "rolling"}: ${wf.windows.length} windows x ${doc.search.variants} variants; times ${doc.plan.timezone}`,
  ];
  const header = ["window", "train", "test", ...names, "IS objective", "IS net", "OOS net", "OOS trades", "WFE", "DSR"];
  const body = wf.windows.map((w) => {
    const oos = w.outOfSample;
    return [
      String(w.window),
      `${time.at(w.train.start)} .. ${time.at(w.train.end)}`,
      `${time.at(w.test.start)} .. ${time.at(w.test.end)}`,
      ...names.map((n) => (w.best ? paramText(doc, n, w.best.params[n]) : "-")),
      w.best ? objectiveText(doc, w.best.objective) : "none met the constraints",
      w.best ? money(w.best.netPnl) : "-",
      oos === null ? "-" : oos.ok ? money(oos.netPnl) : "failed",
      oos?.ok ? String(oos.trades) : "-",
      fixed(w.efficiency),
      fixed(w.deflatedSharpe),
    ];
  });
  lines.push(...table(header, body, 3));
  for (const w of wf.windows)
    if (w.outOfSample && !w.outOfSample.ok)
      lines.push(`  window ${w.window}: out of sample failed: ${w.outOfSample.error}`);
  lines.push(
    "",
    `  out-of-sample net P&L ${money(wf.outOfSampleNet)}; walk-forward efficiency ${fixed(wf.efficiency)} (out-of-sample P&L per day over in-sample P&L per day)`,
  );
  return lines;
}

/** The human summary of an optimize run: heading, the top variants (or the windows), failures. */
export function renderOptimizePretty(doc: OptimizeDocument): string {
  const lines = heading(doc);
  const s = doc.sweep;
  if (s) {
    lines.push(
      `  tried ${s.tried}: ${s.ranked} ranked, ${s.excluded} with too few trades, ${s.failed} failed`,
      `  ${dsrText(s.deflatedSharpe, s.tried)}`,
    );
    if (s.best) lines.push("", `  top ${s.top.length} by ${objectiveLabel(doc)}`, ...variantTable(doc, s.top));
    else lines.push("", "  no variant met the constraints (see --min-trades)");
    for (const f of s.failures.slice(0, 20))
      lines.push(
        `  variant ${f.index} (${doc.space.map((p) => `${p.name}=${paramText(doc, p.name, f.params[p.name])}`).join(", ")}) failed: ${f.note}`,
      );
    if (s.failures.length > 20) lines.push(`  ... ${s.failures.length - 20} more failed (see --format json)`);
  }
  if (doc.walkForward) lines.push(...walkForwardLines(doc, doc.walkForward));
  if (!doc.complete) lines.push("", "  STOPPED before the end: these results cover only the variants that ran");
  return `${lines.join("\n")}\n`;
}
