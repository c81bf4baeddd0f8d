import { describe, expect, it } from "vitest";
import { renderOptimizeCsv } from "../src/optimize-report/csv.js";
import type { OptimizeDocument, VariantRow } from "../src/optimize-report/document.js";
import { heatmap, renderOptimizeHtml } from "../src/optimize-report/html.js";
import { renderOptimizePretty } from "../src/optimize-report/pretty.js";
import { progressLine, showEta } from "../src/optimize-report/progress.js";

/** The optimize result's renderers on hand-made documents: escaping, the heatmap's shape, the progress line. */

function row(index: number, params: Record<string, number>, over: Partial<VariantRow> = {}): VariantRow {
  return {
    rank: index + 1,
    index,
    params,
    status: "ranked",
    objective: 100 - index,
    trades: 3,
    netPnl: 100 - index,
    returnPercent: 0.1,
    sharpe: 1,
    profitFactor: 2,
    maxDrawdown: 10,
    maxDrawdownPercent: 0.01,
    winRate: 50,
    exposure: 20,
    ...over,
  };
}

function doc(space: OptimizeDocument["space"], rows: VariantRow[], name = "levels"): OptimizeDocument {
  return {
    format: "tradeplan/optimize-result",
    version: 1,
    complete: true,
    plan: { name, sourceHash: "0".repeat(64), symbol: "TEST", timezone: "UTC" },
    data: {
      file: "bars.csv",
      bars: 10,
      rejected: 0,
      first: "2024-01-02T08:00:00.000Z",
      last: "2024-01-02T09:00:00.000Z",
    },
    search: { method: "grid", variants: rows.length },
    objective: "net",
    minTrades: 1,
    space,
    sweep: {
      tried: rows.length,
      ranked: rows.length,
      excluded: 0,
      failed: 0,
      deflatedSharpe: 0.5,
      best: rows[0] ?? null,
      top: rows,
      failures: [],
    },
  };
}

const A = { name: "a", kind: "number", min: 1, max: 2, step: 1, values: 2 };
const B = { name: "b", kind: "percent", min: 1, max: 3, step: 1, values: 3 };

describe("optimize renderers", () => {
  it("draws a heatmap only when exactly two params vary, one cell per combination, grey where none ran", () => {
    const rows = [
      row(0, { a: 1, b: 1 }),
      row(1, { a: 1, b: 2 }),
      row(2, { a: 2, b: 1 }, { status: "failed", objective: null, note: "boom" }),
    ];
    const d = doc([A, B], rows);
    const html = heatmap(d, rows) ?? "";
    expect(html.match(/<td class="heat"/g)).toHaveLength(6);
    expect(html.match(/background:#ddd/g)).toHaveLength(4);
    expect(html).toContain('title="a=2, b=1%: failed: boom"');
    expect(html).toContain(">3%</th>");
    expect(heatmap(doc([A], rows), rows)).toBeUndefined();
    expect(heatmap(doc([A, B, { ...A, name: "c" }], rows), rows)).toBeUndefined();
    // A fixed param does not count as varying.
    expect(heatmap(doc([A, B, { ...A, name: "c", max: 1, values: 1 }], rows), rows)).toBeDefined();
  });

  it("escapes the plan's text in the HTML report and loads nothing from elsewhere", () => {
    const rows = [row(0, { a: 1, b: 1 })];
    const html = renderOptimizeHtml(doc([A, B], rows, '<script>alert("x")</script>'), rows);
    expect(html).not.toContain("<script");
    expect(html).toContain("&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;");
    expect(html).not.toMatch(/\bsrc=|href=/);
  });

  it("quotes CSV fields with commas, quotes or line breaks, and leaves n/a empty", () => {
    const rows = [
      row(0, { a: 1, b: 1 }, { status: "failed", objective: null, sharpe: null, note: 'bad "x", then\nmore' }),
    ];
    const lines = renderOptimizeCsv(doc([A, B], rows), rows).split("\n");
    expect(lines[1]).toBe('0,1,1,failed,1,,100,0.1,3,50,,2,10,0.01,20,"bad ""x"", then');
    expect(lines[2]).toBe('more"');
  });

  it("shows percent params as the plan writes them and marks a stopped run", () => {
    const rows = [row(0, { a: 1, b: 2 })];
    const d = { ...doc([A, B], rows), complete: false };
    const text = renderOptimizePretty(d);
    expect(text).toContain("a 1..2 step 1 (2) x b 1%..3% step 1% (3)");
    expect(text).toMatch(/\n {5}1 +1 +2% +100\.00/);
    expect(text).toContain("STOPPED before the end: these results cover only the variants that ran");
  });

  it("redraws the progress line at most every 100 ms (always at the end), with the time left", () => {
    let now = 0;
    let out = "";
    const p = progressLine({ write: (t) => (out += t) }, () => now);
    now = 1000;
    p.update(1, 10);
    now = 1050;
    p.update(2, 10);
    now = 2000;
    p.update(3, 10);
    now = 2010;
    p.update(10, 10);
    p.done();
    const frames = out.split("\r").filter((f) => f.startsWith("["));
    expect(frames.map((f) => (f.endsWith("\u001b[K") ? f.slice(0, -3) : f))).toEqual([
      "[###                           ]  10% 1/10 backtests, ETA 9 s",
      "[#########                     ]  30% 3/10 backtests, ETA 5 s",
      "[##############################] 100% 10/10 backtests, ETA 0 s",
    ]);
    expect(out.endsWith("\r\u001b[K")).toBe(true);
    expect([showEta(42), showEta(185), showEta(3725)]).toEqual(["42 s", "3 min 05 s", "1 h 02 min"]);
  });
});
