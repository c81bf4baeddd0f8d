import type { AnalyzeResult } from "../src/analyze.js";
import type { Expr, LetDecl, NameExpr, Rule, Statement } from "../src/ast.js";

/**
 * Everything of an `AnalyzeResult` the CLI and the language server read,
 * as plain data: the AST, diagnostics and compiled plan as they are, and
 * the semantic model's answers for every node of the AST (its functions
 * cannot be compared directly).
 */
export function snapshot(r: AnalyzeResult): unknown {
  const nodes: { type: string }[] = [];
  const stack: unknown[] = [...r.ast.statements];
  while (stack.length > 0) {
    const x = stack.pop();
    if (typeof x !== "object" || x === null) continue;
    if (Array.isArray(x)) {
      stack.push(...x);
      continue;
    }
    if (typeof (x as { type?: unknown }).type === "string") nodes.push(x as { type: string });
    for (const v of Object.values(x)) stack.push(v);
  }
  nodes.sort((a, b) => at(a) - at(b));
  const names = nodes.filter((n): n is NameExpr => n.type === "Name");
  const lets = r.ast.statements.filter((s): s is LetDecl => s.type === "LetDecl");
  const rules = r.ast.statements.filter(
    (s: Statement): s is Rule => s.type === "ConditionRule" || s.type === "TrailingStopRule",
  );
  const m = r.semantic;
  return {
    ast: r.ast,
    diagnostics: r.diagnostics,
    compiled: r.compiled,
    settings: m.settings,
    lets: [...m.lets].map(([name, d]) => [name, d]),
    kinds: nodes.map((n) => [n.type, at(n), m.kindOf(n as Expr)]),
    resolved: names.map((n) => [at(n), m.resolve(n)]),
    references: lets.map((d) => m.references(d)),
    ruleInfo: rules.map((rule) => {
      const info = m.ruleInfo(rule);
      return info && { lookback: info.lookback, other: [...info.otherTimeframes] };
    }),
  };
}

function at(n: object): number {
  return (n as { span?: { start: { offset: number } } }).span?.start.offset ?? -1;
}
