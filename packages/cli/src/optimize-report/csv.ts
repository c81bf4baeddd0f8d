import type { OptimizeDocument, VariantRow } from "./document.js";

/** A CSV field: quoted when it holds a comma, a quote or a line break. */
function field(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "number" ? (Number.isFinite(v) ? String(v) : v > 0 ? "inf" : "-inf") : v;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const line = (cells: readonly (string | number | null | undefined)[]) => cells.map(field).join(",");

/**
 * `--format csv`: a sweep has one row per variant that ran, in variant order
 * (every variant, not only the top: a spreadsheet sorts them); a
 * walk-forward has one row per window. Numbers are plain (no thousands
 * separators), times ISO 8601 UTC, empty for n/a.
 */
export function renderOptimizeCsv(doc: OptimizeDocument, rows: readonly VariantRow[]): string {
  const names = doc.space.map((p) => p.name);
  const out: string[] = [];
  if (doc.walkForward) {
    out.push(
      line([
        "window",
        "train_start",
        "train_end",
        "test_start",
        "test_end",
        ...names,
        "is_objective",
        "is_net_pnl",
        "is_trades",
        "oos_objective",
        "oos_net_pnl",
        "oos_trades",
        "efficiency",
        "deflated_sharpe",
        "error",
      ]),
    );
    for (const w of doc.walkForward.windows) {
      const o = w.outOfSample;
      out.push(
        line([
          w.window,
          w.train.start,
          w.train.end,
          w.test.start,
          w.test.end,
          ...names.map((n) => w.best?.params[n]),
          w.best?.objective,
          w.best?.netPnl,
          w.best?.trades,
          o?.ok ? o.objective : null,
          o?.ok ? o.netPnl : null,
          o?.ok ? o.trades : null,
          w.efficiency,
          w.deflatedSharpe,
          o && !o.ok ? o.error : w.best ? null : "no variant met the constraints",
        ]),
      );
    }
    return `${out.join("\n")}\n`;
  }
  out.push(
    line([
      "index",
      ...names,
      "status",
      "rank",
      "objective",
      "net_pnl",
      "return_percent",
      "trades",
      "win_rate",
      "sharpe",
      "profit_factor",
      "max_drawdown",
      "max_drawdown_percent",
      "exposure",
      "note",
    ]),
  );
  for (const r of rows)
    out.push(
      line([
        r.index,
        ...names.map((n) => r.params[n]),
        r.status,
        r.rank,
        r.objective,
        r.netPnl,
        r.returnPercent,
        r.trades,
        r.winRate,
        r.sharpe,
        r.profitFactor,
        r.maxDrawdown,
        r.maxDrawdownPercent,
        r.exposure,
        r.note,
      ]),
    );
  return `${out.join("\n")}\n`;
}
