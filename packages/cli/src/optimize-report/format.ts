import { LocalTime } from "@tradeplan/core";
import type { OptimizeDocument, VariantRow } from "./document.js";

/** How the renderers of an optimize result write numbers, params and times (one definition for table, CSV and HTML). */

/** `1,234.50`, `-20.00`; `n/a` for null. */
export function money(v: number | null): string {
  if (v === null) return "n/a";
  return `${v < 0 ? "-" : ""}${Math.abs(v).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** A figure with `d` decimals; `n/a` for null, `inf` for an infinite one. */
export function fixed(v: number | null, d = 2): string {
  if (v === null) return "n/a";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  return v.toFixed(d);
}

/** The objective's figure as it reads: money for net P&L and drawdown, a ratio for the others. */
export function objectiveText(doc: OptimizeDocument, v: number | null): string {
  return doc.objective === "net" || doc.objective === "max_drawdown" ? money(v) : fixed(v);
}

/** A param's value as the plan writes it: `2%` for a percent, `$150` for money. */
export function paramText(doc: OptimizeDocument, name: string, v: number | undefined): string {
  if (v === undefined) return "";
  const kind = doc.space.find((p) => p.name === name)?.kind;
  return kind === "percent" ? `${v}%` : kind === "money" ? `${v < 0 ? "-" : ""}$${Math.abs(v)}` : String(v);
}

/** `threshold=3650, length=20`. */
export function paramsText(doc: OptimizeDocument, row: Pick<VariantRow, "params">): string {
  return doc.space.map((p) => `${p.name}=${paramText(doc, p.name, row.params[p.name])}`).join(", ");
}

/** Person-readable times in the plan's zone, named (`2006-01-02 09:00 Europe/Berlin`). */
export class PlanTime {
  private readonly local: LocalTime;
  constructor(readonly zone: string) {
    this.local = new LocalTime(zone);
  }
  /** `2006-01-02 09:00` (the zone is named once, in a heading). */
  at(iso: string): string {
    return this.local.dateTime(Date.parse(iso));
  }
  /** `2006-01-02`. */
  date(iso: string): string {
    return this.local.date(Date.parse(iso));
  }
}

/** The objective's name as a heading says it. */
export function objectiveLabel(doc: OptimizeDocument): string {
  switch (doc.objective) {
    case "net":
      return "net P&L (highest)";
    case "sharpe":
      return "Sharpe ratio (highest)";
    case "profit_factor":
      return "profit factor (highest)";
    case "max_drawdown":
      return "max drawdown (lowest)";
  }
}

/** The swept space in one line: `threshold 3600..3800 step 10 (21) x length 10..50 step 5 (9)`. */
export function spaceText(doc: OptimizeDocument): string {
  return doc.space
    .map((p) => {
      if (p.min === p.max) return `${p.name} ${paramText(doc, p.name, p.min)}`;
      const range = `${paramText(doc, p.name, p.min)}..${paramText(doc, p.name, p.max)}`;
      return p.step === null
        ? `${p.name} ${range}`
        : `${p.name} ${range} step ${paramText(doc, p.name, p.step)} (${p.values})`;
    })
    .join(" x ");
}
