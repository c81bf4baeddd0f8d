import type { z } from "zod";
import type { Kind } from "../ast.js";
import type { IndicatorNameSchema } from "../compiled.js";

/**
 * The built-in indicators: one table that the checker uses for arity and
 * kinds, and the language server for completion, hover and signature help.
 * Lookback formulas are computed by `lookbackStep` in `lookback.ts` (the
 * one place the runtime shares); `lookback` here is their documentation.
 */

export type IndicatorName = z.infer<typeof IndicatorNameSchema>;

export interface IndicatorParam {
  readonly name: string;
  /** `series`: any expression of an accepted kind; `period`: a positive whole-number literal. */
  readonly role: "series" | "period";
  /** The kinds a series argument accepts. */
  readonly kinds?: readonly Kind[];
  readonly doc: string;
}

export interface IndicatorInfo {
  readonly name: IndicatorName;
  readonly params: readonly IndicatorParam[];
  /** The result kind; `source` means "the kind of the series argument". */
  readonly result: Kind | "source";
  /** Bars needed before the value is warm, as a formula over the arguments. */
  readonly lookback: string;
  /** One line for hover and completion. */
  readonly doc: string;
  /** `sma(source, period)`, for signature help. */
  readonly signature: string;
  /** An LSP snippet (`${1:close}` placeholders) for completion. */
  readonly snippet: string;
}

const SOURCE_NUMERIC: readonly Kind[] = ["price", "volume", "number"];

function source(kinds: readonly Kind[], doc = "the series to read"): IndicatorParam {
  return { name: "source", role: "series", kinds, doc };
}

/** An LSP snippet: `snip("sma", "close", "20")` is `sma(${1:close}, ${2:20})`. */
function snip(name: string, ...defaults: string[]): string {
  return `${name}(${defaults.map((d, i) => `\${${i + 1}:${d}}`).join(", ")})`;
}

function period(doc = "how many bars"): IndicatorParam {
  return { name: "period", role: "period", doc };
}

const TABLE: readonly IndicatorInfo[] = [
  {
    name: "sma",
    params: [source(SOURCE_NUMERIC), period()],
    result: "source",
    lookback: "lookback(source) + period - 1",
    doc: "Simple moving average: the mean of the last `period` values.",
    signature: "sma(source, period)",
    snippet: snip("sma", "close", "20"),
  },
  {
    name: "ema",
    params: [source(SOURCE_NUMERIC), period()],
    result: "source",
    lookback: "lookback(source) + period - 1",
    doc: "Exponential moving average with smoothing 2 / (period + 1).",
    signature: "ema(source, period)",
    snippet: snip("ema", "close", "20"),
  },
  {
    name: "rsi",
    params: [source(["price"], "the price series"), period()],
    result: "number",
    lookback: "lookback(source) + period",
    doc: "Relative strength index (Wilder), from 0 to 100.",
    signature: "rsi(source, period)",
    snippet: snip("rsi", "close", "14"),
  },
  {
    name: "atr",
    params: [period()],
    result: "price",
    lookback: "period + 1",
    doc: "Average true range (Wilder) of the bars, in price units.",
    signature: "atr(period)",
    snippet: snip("atr", "14"),
  },
  {
    name: "highest",
    params: [source(["price", "volume", "number", "percent"]), period()],
    result: "source",
    lookback: "lookback(source) + period - 1",
    doc: "The highest of the last `period` values (the current bar included).",
    signature: "highest(source, period)",
    snippet: snip("highest", "high", "20"),
  },
  {
    name: "lowest",
    params: [source(["price", "volume", "number", "percent"]), period()],
    result: "source",
    lookback: "lookback(source) + period - 1",
    doc: "The lowest of the last `period` values (the current bar included).",
    signature: "lowest(source, period)",
    snippet: snip("lowest", "low", "20"),
  },
  {
    name: "vwap",
    params: [],
    result: "price",
    lookback: "1",
    doc: "Volume-weighted average price of the session so far.",
    signature: "vwap()",
    snippet: snip("vwap"),
  },
  {
    name: "change",
    params: [source(SOURCE_NUMERIC), period()],
    result: "percent",
    lookback: "lookback(source) + period",
    doc: "Percent change over `period` bars: (source / source[period] - 1) x 100, compared with percents such as `2%`.",
    signature: "change(source, period)",
    snippet: snip("change", "close", "5"),
  },
];

/** Every built-in indicator by name. */
export const INDICATORS: ReadonlyMap<string, IndicatorInfo> = new Map(TABLE.map((i) => [i.name, i]));

/** Indicator names in table order (for suggestions and completion). */
export const INDICATOR_NAMES: readonly IndicatorName[] = TABLE.map((i) => i.name);

/** The kind an indicator call yields, given its series argument's kind. */
export function indicatorResult(info: IndicatorInfo, sourceKind: Kind | undefined): Kind | undefined {
  return info.result === "source" ? sourceKind : info.result;
}

/** A period argument's value when it is a valid period literal (a positive whole number), else undefined. */
export function periodValue(arg: { readonly type: string; readonly value?: unknown }): number | undefined {
  if (arg.type !== "Number" || typeof arg.value !== "number") return undefined;
  return Number.isInteger(arg.value) && arg.value > 0 ? arg.value : undefined;
}

/** An LSP snippet with its placeholders filled in: `sma(${1:close}, ${2:20})` -> `sma(close, 20)`. */
export function fillSnippet(snippet: string): string {
  return snippet.replace(/\$\{\d+:([^}]*)\}/g, "$1");
}
