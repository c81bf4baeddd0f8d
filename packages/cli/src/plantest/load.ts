import { dirname, resolve } from "node:path";
import type { BarData } from "@tradeplan/core";
import {
  type AnalyzeResult,
  analyze,
  type CompiledFunction,
  type CompiledPlan,
  type Diagnostic,
  errorCount,
  type Span,
} from "@tradeplan/dsl";
import { describeFsError } from "../errors.js";
import { readSource } from "../files.js";
import type { CliIO } from "../io.js";
import { displayPath, type SourceFile } from "../source.js";
import { inlineBars } from "./bars.js";
import { TEST_CODES } from "./codes.js";
import { resolveRule } from "./rules.js";
import {
  CaseSchema,
  type CaseValue,
  CsvBars,
  type ExpectationsValue,
  FileSchema,
  type OutcomeValue,
  type PlanActionValue,
  type PositionSpecValue,
  TEST_FILE_SUFFIXES,
} from "./schema.js";
import { TestClock } from "./times.js";
import { parseYamlSource, validateAt, type YamlPath, type YamlSource } from "./yaml-source.js";

/** A position as tests state it. */
export interface PositionExpectation {
  readonly side: "flat" | "long" | "short";
  /** Absent: any quantity. */
  readonly quantity?: number;
}

export interface ResolvedFire {
  readonly rule: CompiledFunction;
  readonly at: number;
  readonly action?: PlanActionValue;
  readonly outcome?: OutcomeValue;
  readonly span: Span;
}

export interface ResolvedExpectations {
  readonly fires: readonly ResolvedFire[];
  /** Where `no_other_fires: true` is written; absent when other firings are allowed. */
  readonly noOtherFires?: Span;
  readonly neverFires: readonly { rule: CompiledFunction; span: Span }[];
  readonly finalPosition?: PositionExpectation & { span: Span };
  readonly trades?: { min?: number; max?: number; exact?: number; span: Span };
  readonly pnl?: { min?: number; max?: number; span: Span };
}

/** Where a case's bars come from. */
export type BarSource =
  | { readonly kind: "inline"; readonly bars: readonly BarData[] }
  | {
      readonly kind: "csv";
      readonly path: string;
      readonly display: string;
      readonly span: Span;
      readonly from?: number;
      readonly to?: number;
    };

/** A case ready to run. */
export interface PreparedCase {
  readonly symbol: string;
  readonly timestamps: "open" | "close";
  readonly start?: { side: "long" | "short"; quantity: number };
  readonly bars: BarSource;
  readonly expect: ResolvedExpectations;
}

export interface LoadedCase {
  readonly name: string;
  readonly span: Span;
  /** Problems that keep this case from running (located in the test file). */
  readonly errors: readonly Diagnostic[];
  readonly prepared?: PreparedCase;
}

export interface LoadedFile {
  readonly file: SourceFile;
  /** Problems with the whole file (located in the test file). */
  readonly errors: readonly Diagnostic[];
  readonly planFile?: SourceFile;
  /** The plan's own diagnostics when it has errors (located in the plan). */
  readonly planDiagnostics: readonly Diagnostic[];
  readonly plan?: CompiledPlan;
  readonly clock?: TestClock;
  readonly cases: readonly LoadedCase[];
}

/** The plan a test file belongs to by name: `a.plan.test.yaml` -> `a.plan`. */
export function siblingPlanPath(testPath: string): string {
  for (const s of TEST_FILE_SUFFIXES) if (testPath.endsWith(s)) return testPath.slice(0, -s.length);
  return testPath;
}

const diag = (code: string, span: Span, message: string, hint?: string): Diagnostic => ({
  code,
  severity: "error",
  message,
  span,
  ...(hint ? { hint } : {}),
});

/**
 * Reads, validates and prepares one test file: its plan compiled, every
 * case's rules resolved and inline bars built. Never throws for bad input:
 * problems are diagnostics on the file or on the case they belong to, and
 * the cases without problems can still run.
 */
/**
 * Binds values to a compiled plan's params (`tradeplan test --set`): the
 * checked analysis of the plan, its text and its name as shown.
 */
export type BindPlan = (
  analysis: AnalyzeResult & { readonly compiled: CompiledPlan },
  source: string,
  planShown: string,
) => CompiledPlan;

/** An error that stops the whole suite instead of being reported for one file (a `--set` a plan refuses). */
export class SuiteAbort extends Error {
  constructor(readonly reason: unknown) {
    super(reason instanceof Error ? reason.message : String(reason));
    this.name = "SuiteAbort";
  }
}

export async function loadTestFile(path: string, io: CliIO, bind?: BindPlan): Promise<LoadedFile> {
  const { file } = await readSource(path, io);
  const source = parseYamlSource(file.text);
  const empty = { file, planDiagnostics: [], cases: [] };
  if (source.syntaxErrors.length > 0) return { ...empty, errors: source.syntaxErrors };
  const top = validateAt(source, [], FileSchema, source.data ?? undefined);
  if (!top.ok) return { ...empty, errors: top.diagnostics };
  const spec = top.value;

  const planPath = spec.plan !== undefined ? resolve(dirname(path), spec.plan) : siblingPlanPath(path);
  const planShown = displayPath(planPath, io.cwd);
  const planSpan = source.spanAt(spec.plan !== undefined ? ["plan"] : []);
  let planFile: SourceFile;
  try {
    const kind = await io.fs.kind(planPath);
    if (kind !== "file") {
      const why = kind === "missing" ? "no such file" : "not a file";
      return {
        ...empty,
        errors: [
          diag(
            TEST_CODES.planMissing,
            planSpan,
            `the plan \`${planShown}\` cannot be read: ${why}`,
            spec.plan === undefined
              ? "a test file `NAME.plan.test.yaml` tests `NAME.plan` next to it, or the plan named by `plan:`"
              : undefined,
          ),
        ],
      };
    }
    planFile = (await readSource(planPath, io)).file;
  } catch (e) {
    const why = e instanceof Error && e.name === "UsageError" ? e.message : describeFsError(e);
    return {
      ...empty,
      errors: [diag(TEST_CODES.planMissing, planSpan, `the plan \`${planShown}\` cannot be read: ${why}`)],
    };
  }
  const analysis = analyze(planFile.text, {
    fileName: planFile.display,
    ...(spec.symbol !== undefined ? { symbol: spec.symbol } : {}),
  });
  if (errorCount(analysis.diagnostics) > 0 || !analysis.compiled) {
    const n = errorCount(analysis.diagnostics);
    return {
      ...empty,
      planFile,
      planDiagnostics: analysis.diagnostics.filter((d) => d.severity === "error"),
      errors: [
        diag(
          TEST_CODES.planErrors,
          planSpan,
          `the plan \`${planFile.display}\` has ${n} error${n === 1 ? "" : "s"}; no case was run`,
        ),
      ],
    };
  }
  let plan = analysis.compiled;
  if (bind) {
    try {
      plan = bind({ ...analysis, compiled: plan }, planFile.text, planFile.display);
    } catch (e) {
      throw new SuiteAbort(e);
    }
  }
  const clock = new TestClock(plan.timezone);
  const cases = spec.cases.map((raw, i) =>
    prepareCase(raw, i, { source, file, plan, clock, spec, testPath: path, io }),
  );
  return { file, errors: [], planFile, planDiagnostics: [], plan, clock, cases };
}

interface CaseContext {
  readonly source: YamlSource;
  readonly file: SourceFile;
  readonly plan: CompiledPlan;
  readonly clock: TestClock;
  readonly spec: { symbol?: string | undefined; timeframe?: string | undefined };
  readonly testPath: string;
  readonly io: CliIO;
}

function caseName(raw: unknown, i: number): string {
  const n = raw !== null && typeof raw === "object" ? (raw as Record<string, unknown>).name : undefined;
  return typeof n === "string" && n.trim() !== "" ? n.trim() : `case ${i + 1}`;
}

function prepareCase(raw: unknown, i: number, ctx: CaseContext): LoadedCase {
  const base: YamlPath = ["cases", i];
  const name = caseName(raw, i);
  const span = ctx.source.spanAt([...base, "name"]);
  const v = validateAt(ctx.source, base, CaseSchema, raw);
  if (!v.ok) return { name, span, errors: v.diagnostics };
  const c = v.value;
  const errors: Diagnostic[] = [];
  const { plan, source } = ctx;

  const symbol = c.symbol ?? ctx.spec.symbol ?? (plan.symbols.length === 1 ? plan.symbols[0] : undefined);
  if (symbol === undefined) {
    errors.push(
      diag(TEST_CODES.badSetup, span, `the plan trades ${plan.symbols.join(", ")}: say which with \`symbol\``),
    );
  } else if (!plan.symbols.includes(symbol)) {
    errors.push(
      diag(
        TEST_CODES.badSetup,
        source.spanAt(c.symbol !== undefined ? [...base, "symbol"] : ["symbol"]),
        `the plan trades ${plan.symbols.join(", ")}, not ${symbol}`,
      ),
    );
  }

  const expect = resolveExpectations(c.expect, [...base, "expect"], c.date, ctx, errors);
  const start = c.start !== undefined ? toPosition(c.start) : undefined;
  if (start?.side !== undefined && start.side !== "flat" && start.quantity === undefined) {
    errors.push(
      diag(TEST_CODES.schema, source.spanAt([...base, "start"]), "a starting position needs a quantity: `long 100`"),
    );
  }
  const timestamps = c.timestamps ?? "open";
  const bars = symbol !== undefined ? barSource(c, base, symbol, timestamps, ctx, errors) : undefined;
  if (errors.length > 0 || !bars || symbol === undefined) return { name, span, errors };
  return {
    name,
    span,
    errors: [],
    prepared: {
      symbol,
      timestamps,
      ...(start && start.side !== "flat" && start.quantity !== undefined
        ? { start: { side: start.side, quantity: start.quantity } }
        : {}),
      bars,
      expect,
    },
  };
}

/** `long 100` / `{ side: long, quantity: 100 }` -> one shape. */
export function toPosition(p: PositionSpecValue): PositionExpectation {
  if (typeof p === "string") {
    const [side, qty] = p.split(" ") as ["flat" | "long" | "short", string | undefined];
    return qty !== undefined ? { side, quantity: Number(qty) } : { side };
  }
  return p.quantity !== undefined ? { side: p.side, quantity: p.quantity } : { side: p.side };
}

function barSource(
  c: CaseValue,
  base: YamlPath,
  symbol: string,
  timestamps: "open" | "close",
  ctx: CaseContext,
  errors: Diagnostic[],
): BarSource | undefined {
  const path = [...base, "bars"];
  const { source, clock } = ctx;
  if (Array.isArray(c.bars)) {
    const r = inlineBars(c.bars, {
      source,
      path,
      clock,
      date: c.date,
      symbol,
      timeframe: c.timeframe ?? ctx.spec.timeframe ?? "1m",
      timestamps,
      file: ctx.file.display,
    });
    errors.push(...r.diagnostics);
    return r.diagnostics.length === 0 ? { kind: "inline", bars: r.bars } : undefined;
  }
  if (c.bars === null || typeof c.bars !== "object") {
    errors.push(diag(TEST_CODES.schema, source.spanAt(path), "`bars` must be a list of rows or { csv: FILE }"));
    return undefined;
  }
  const v = validateAt(source, path, CsvBars, c.bars);
  if (!v.ok) {
    errors.push(...v.diagnostics);
    return undefined;
  }
  const csvPath = resolve(dirname(ctx.testPath), v.value.csv);
  const bound = (key: "from" | "to", text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    if (/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(text)) {
      const b = clock.dayBounds(text);
      if (!b) errors.push(diag(TEST_CODES.schema, source.spanAt([...path, key]), `\`${text}\` is not a real date`));
      return b ? (key === "from" ? b.start : b.end) : undefined;
    }
    const t = clock.parse(text, undefined);
    if (!t.ok) errors.push(diag(TEST_CODES.schema, source.spanAt([...path, key]), t.reason));
    return t.ok ? t.time : undefined;
  };
  const from = bound("from", v.value.from);
  const to = bound("to", v.value.to);
  return {
    kind: "csv",
    path: csvPath,
    display: displayPath(csvPath, ctx.io.cwd),
    span: source.spanAt([...path, "csv"]),
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
  };
}

function resolveExpectations(
  e: ExpectationsValue,
  base: YamlPath,
  date: string | undefined,
  ctx: CaseContext,
  errors: Diagnostic[],
): ResolvedExpectations {
  const { source, plan, clock } = ctx;
  const rule = (ref: string | number, path: YamlPath): CompiledFunction | undefined => {
    const r = resolveRule(plan, ref);
    if (r.ok) return r.rule;
    errors.push(diag(TEST_CODES.unknownRule, source.spanAt(path), r.reason, r.hint));
    return undefined;
  };
  const fires: ResolvedFire[] = [];
  (e.fires ?? []).forEach((f, k) => {
    const path = [...base, "fires", k];
    const r = rule(f.rule, [...path, "rule"]);
    const t = clock.parse(f.at, date);
    if (!t.ok) errors.push(diag(TEST_CODES.schema, source.spanAt([...path, "at"]), t.reason));
    if (r && t.ok)
      fires.push({
        rule: r,
        at: t.time,
        span: source.spanAt(path),
        ...(f.action !== undefined ? { action: f.action } : {}),
        ...(f.outcome !== undefined ? { outcome: f.outcome } : {}),
      });
  });
  const neverFires: { rule: CompiledFunction; span: Span }[] = [];
  (e.never_fires ?? []).forEach((ref, k) => {
    const path = [...base, "never_fires", k];
    const r = rule(ref, path);
    if (r) neverFires.push({ rule: r, span: source.spanAt(path) });
  });
  const out: ResolvedExpectations = {
    fires,
    ...(e.no_other_fires === true ? { noOtherFires: source.spanAt([...base, "no_other_fires"]) } : {}),
    neverFires,
    ...(e.final_position !== undefined
      ? { finalPosition: { ...toPosition(e.final_position), span: source.spanAt([...base, "final_position"]) } }
      : {}),
    ...(e.trades !== undefined
      ? {
          trades:
            typeof e.trades === "number"
              ? { exact: e.trades, span: source.spanAt([...base, "trades"]) }
              : { ...e.trades, span: source.spanAt([...base, "trades"]) },
        }
      : {}),
    ...(e.pnl !== undefined ? { pnl: { ...e.pnl, span: source.spanAt([...base, "pnl"]) } } : {}),
  };
  return out;
}
