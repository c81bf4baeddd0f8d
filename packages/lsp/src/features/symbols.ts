import { printExpr, printStatement, type Statement } from "@tradeplan/dsl";
import { type DocumentSymbol, SymbolKind } from "vscode-languageserver";
import type { DocumentAnalysis } from "../analysis.js";
import { toRange } from "../convert.js";

/** Longest rule text shown as a symbol name before it is cut. */
const MAX_NAME = 80;

function cut(text: string): string {
  return text.length > MAX_NAME ? `${text.slice(0, MAX_NAME - 1)}…` : text;
}

function statementSymbol(analysis: DocumentAnalysis, s: Statement): DocumentSymbol | undefined {
  const range = toRange(s.span);
  switch (s.type) {
    case "LetDecl": {
      const kind = analysis.result?.semantic.kindOf(s.value);
      return {
        name: s.name.name,
        detail: `${kind ?? "?"} = ${cut(printExpr(s.value))}`,
        kind: SymbolKind.Variable,
        range,
        selectionRange: toRange(s.name.span),
      };
    }
    case "ConditionRule":
    case "TrailingStopRule": {
      const lookback = analysis.result?.semantic.ruleInfo(s)?.lookback;
      return {
        name: cut(printStatement(s)),
        detail: lookback !== undefined ? `lookback ${lookback}` : "",
        kind: SymbolKind.Event,
        range,
        selectionRange: toRange(s.timeframe.span),
      };
    }
    case "SymbolDecl":
    case "TimezoneDecl":
    case "SessionDecl":
    case "RiskDecl":
      return { name: cut(printStatement(s)), kind: SymbolKind.Property, range, selectionRange: range };
    case "PlanDecl":
      return undefined;
  }
}

/**
 * The outline: the plan (named by its `plan` statement) holding its header
 * settings, `let`s and rules. A bare rule list has no plan node: its
 * statements are the top level.
 */
export function documentSymbols(analysis: DocumentAnalysis): DocumentSymbol[] {
  const result = analysis.result;
  if (!result) return [];
  const children = result.ast.statements
    .map((s) => statementSymbol(analysis, s))
    .filter((x): x is DocumentSymbol => x !== undefined);
  const plan = result.ast.statements.find((s) => s.type === "PlanDecl");
  if (plan?.type !== "PlanDecl") return children;
  const last = result.ast.statements[result.ast.statements.length - 1] ?? plan;
  return [
    {
      name: plan.name.value,
      detail: "plan",
      kind: SymbolKind.Module,
      range: { start: toRange(plan.span).start, end: toRange(last.span).end },
      selectionRange: toRange(plan.name.span),
      children,
    },
  ];
}
