import type { PlanFile, Rule, Statement } from "./ast.js";
import type { CompiledFunction, CompiledPlan, CompiledStream } from "./compiled.js";
import { compile, MAX_STREAM_LOOKBACK, paramSpecs, timeframeSeconds } from "./compiler.js";
import { type Diagnostic, DiagnosticCollector } from "./diagnostics.js";
import { ListCollector } from "./incremental-collect.js";
import type { SemanticModel } from "./semantic.js";

/**
 * Compilation for the incremental analyzer: each rule is compiled on its
 * own by `compile` (a rule's function depends on the rule and the lets
 * only) and kept while its check session lives; the parts that depend on
 * where the rule is (`id`, `line`, `span`, `source`) and on the whole plan
 * (streams, the header, the source hash) are rebuilt on every update.
 */

/** One rule compiled alone: its function's name and parameters, or the diagnostics that stopped it. */
export type RuleOutput =
  | { readonly ok: true; readonly name: CompiledFunction["name"]; readonly params: CompiledFunction["params"] }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };

/** The source text is only sliced for the `source` field, which the caller replaces: an empty one skips hashing it. */
export function compileRule(rule: Rule, model: SemanticModel): RuleOutput {
  const ast: PlanFile = { type: "PlanFile", statements: [rule], comments: [], span: rule.span };
  const diagnostics: Diagnostic[] = [];
  const fn = compile(ast, model, "", new ListCollector(diagnostics))?.functions[0];
  return fn ? { ok: true, name: fn.name, params: fn.params } : { ok: false, diagnostics };
}

/** The diagnostics of the rules that could not be compiled (then there is no plan, as with `compile`). */
export function ruleFailures(statements: readonly Statement[], output: (rule: Rule) => RuleOutput): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const st of statements) {
    if (st.type !== "ConditionRule" && st.type !== "TrailingStopRule") continue;
    const out = output(st);
    if (!out.ok) diagnostics.push(...out.diagnostics);
  }
  return diagnostics;
}

/** The compiled plan from the rules' cached outputs, when `ruleFailures` found none. */
export function assemblePlan(
  statements: readonly Statement[],
  output: (rule: Rule) => RuleOutput,
  model: SemanticModel,
  source: string,
): CompiledPlan {
  const functions: CompiledFunction[] = [];
  const streamLookback = new Map<string, number>();
  const need = (tf: string, bars: number): void => {
    streamLookback.set(tf, Math.max(streamLookback.get(tf) ?? 1, bars));
  };
  for (const st of statements) {
    if (st.type !== "ConditionRule" && st.type !== "TrailingStopRule") continue;
    const info = model.ruleInfo(st);
    const lookback = Math.max(1, info?.lookback ?? 1);
    need(st.timeframe.raw, lookback);
    for (const [tf, bars] of info?.otherTimeframes ?? []) need(tf, bars);
    const out = output(st);
    if (!out.ok) continue;
    functions.push({
      id: `r${st.span.start.line}`,
      line: st.span.start.line,
      timeframe: st.timeframe.raw,
      lookback,
      span: st.span,
      source: source.slice(st.span.start.offset, st.span.end.offset),
      name: out.name,
      params: out.params,
    } as CompiledFunction);
  }
  // The header part (format, version, name, hash, settings) comes from `compile` itself, given no rules.
  const empty: PlanFile = { type: "PlanFile", statements: [], comments: [], span: { start: ZERO, end: ZERO } };
  const head = compile(empty, model, source, new DiagnosticCollector()) as CompiledPlan;
  // Whether a param is a period depends on the rules, which the header's compilation did not see.
  const specs = paramSpecs({ ...empty, statements }, model);
  const params = specs.map(({ spec }) => ({ ...spec, value: spec.default }));
  const streams: CompiledStream[] = [];
  for (const symbol of model.settings.symbols) {
    for (const [tf, lookback] of streamLookback) {
      streams.push({
        symbol,
        timeframe: tf,
        seconds: timeframeSeconds(tf),
        lookback: Math.min(lookback, MAX_STREAM_LOOKBACK),
      });
    }
  }
  return { ...head, ...(params.length > 0 ? { params } : {}), streams, functions };
}

const ZERO = { offset: 0, line: 1, column: 1 };
