import { type Expr, INDICATORS, type Kind, printExpr, printStatement, type Rule, type Statement } from "@tradeplan/dsl";
import { type Hover, MarkupKind } from "vscode-languageserver";
import type { DocumentAnalysis } from "../analysis.js";
import { exprPathAt, isRule, statementOnLine } from "../ast-query.js";
import { spanContains, toRange } from "../convert.js";
import { KEYWORD_DOCS } from "../keyword-docs.js";
import { keywordOf, lexLine, tokenAt } from "../line-tokens.js";

function code(text: string): string {
  return `\`\`\`tradeplan\n${text}\n\`\`\``;
}

function kindText(k: Kind | undefined): string {
  return k ? `kind \`${k}\`` : "kind unknown (see the diagnostics)";
}

/** What a rule needs and what it compiles to: the hover of its `on` and timeframe. */
export function ruleHover(analysis: DocumentAnalysis, rule: Rule): string {
  const lines = [`**rule** on \`${rule.timeframe.raw}\``];
  const info = analysis.result?.semantic.ruleInfo(rule);
  if (info) {
    lines.push(
      "",
      `Needs **${info.lookback}** bar${info.lookback === 1 ? "" : "s"} of \`${rule.timeframe.raw}\` history before it can fire.`,
    );
    for (const [tf, n] of info.otherTimeframes)
      lines.push(`Also reads \`${tf}\`: ${n} closed bar${n === 1 ? "" : "s"}.`);
  }
  const fn = analysis.result?.compiled?.functions.find((f) => f.span.start.offset === rule.span.start.offset);
  if (fn) {
    lines.push(
      "",
      `Compiles to \`${fn.name}\` (id \`${fn.id}\`):`,
      "",
      "```json",
      JSON.stringify(fn.params, null, 2),
      "```",
    );
  } else if (analysis.result && !analysis.result.compiled) {
    lines.push("", "Not compiled: the plan has errors.");
  }
  return lines.join("\n");
}

function exprHover(analysis: DocumentAnalysis, e: Expr, offset: number): string | undefined {
  const semantic = analysis.result?.semantic;
  if (!semantic) return undefined;
  if (e.type === "Call") {
    const info = INDICATORS.get(e.callee.name);
    if (info && spanContains(e.callee.span, offset)) {
      return [
        code(info.signature),
        info.doc,
        "",
        `Lookback: \`${info.lookback}\`. This call: ${kindText(semantic.kindOf(e))}.`,
      ].join("\n");
    }
  }
  if (e.type === "Name") {
    const decl = semantic.resolve(e);
    if (decl)
      return [code(printStatement(decl)), `\`${e.name}\`: ${kindText(semantic.kindOf(decl.value))}`].join("\n\n");
  }
  if (e.type === "Field")
    return [code(e.field), KEYWORD_DOCS[e.field] ?? "", "", kindText(semantic.kindOf(e))].join("\n");
  return [code(printExpr(e)), kindText(semantic.kindOf(e))].join("\n\n");
}

function statementHover(
  analysis: DocumentAnalysis,
  s: Statement,
  offset: number,
): { text: string; expr?: Expr } | undefined {
  if (s.type === "LetDecl" && spanContains(s.name.span, offset)) {
    const semantic = analysis.result?.semantic;
    const uses = semantic?.references(s).length ?? 0;
    return {
      text: [
        code(printStatement(s)),
        `${kindText(semantic?.kindOf(s.value))}; used ${uses} time${uses === 1 ? "" : "s"}.`,
      ].join("\n\n"),
    };
  }
  if (isRule(s) && spanContains(s.timeframe.span, offset)) return { text: ruleHover(analysis, s) };
  const path = exprPathAt(s, offset);
  const inner = path[0];
  if (!inner) return undefined;
  const text = exprHover(analysis, inner, offset);
  return text ? { text, expr: inner } : undefined;
}

/**
 * Hover at `offset`: a rule's lookback and compiled function on its `on`
 * and timeframe; indicator docs on a call's name; a `let`'s definition and
 * kind on its uses; the inferred kind of any other expression; the
 * keyword's documentation on other keywords. `line` is the 0-based line of `offset`.
 */
export function hover(analysis: DocumentAnalysis, offset: number, line: number): Hover | null {
  const lex = lexLine(analysis.text, offset);
  if (lex.commentStart !== undefined && offset > lex.commentStart) return null;
  const token = tokenAt(lex.tokens, offset);
  if (!token) return null;
  const ast = analysis.result?.ast;
  const stmt = ast ? statementOnLine(ast, line) : undefined;
  const kw = keywordOf(token);
  const tokenRange = {
    start: position(line, token.start - lex.lineStart),
    end: position(line, token.end - lex.lineStart),
  };
  if (stmt && isRule(stmt) && kw === "on") {
    return { contents: { kind: MarkupKind.Markdown, value: ruleHover(analysis, stmt) }, range: tokenRange };
  }
  if (stmt) {
    const h = statementHover(analysis, stmt, offset);
    // A keyword inside an expression (`above`, `and`) is better explained than the whole comparison's kind.
    if (
      h &&
      !(
        kw &&
        !["open", "high", "low", "close", "volume", "true", "false"].includes(kw) &&
        h.expr &&
        h.expr.type !== "Call"
      )
    ) {
      return {
        contents: { kind: MarkupKind.Markdown, value: h.text },
        range: h.expr ? toRange(h.expr.span) : tokenRange,
      };
    }
  }
  const doc = kw ? KEYWORD_DOCS[kw] : undefined;
  if (doc)
    return { contents: { kind: MarkupKind.Markdown, value: `${code(kw as string)}\n${doc}` }, range: tokenRange };
  return null;
}

function position(line: number, character: number): { line: number; character: number } {
  return { line, character };
}
