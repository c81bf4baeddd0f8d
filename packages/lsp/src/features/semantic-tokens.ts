import { INDICATORS, statementExprs, tokenize } from "@tradeplan/dsl";
import { type SemanticTokens, SemanticTokensBuilder, type SemanticTokensLegend } from "vscode-languageserver";
import type { TextDocument } from "vscode-languageserver-textdocument";
import type { DocumentAnalysis } from "../analysis.js";
import { allExprs } from "../ast-query.js";

const TYPES = [
  "keyword",
  "variable",
  "function",
  "number",
  "string",
  "comment",
  "operator",
  "property",
  "namespace",
] as const;
const MODIFIERS = ["declaration", "readonly", "defaultLibrary"] as const;

type TokenTypeName = (typeof TYPES)[number];

/** The legend announced in `initialize`: token types and modifiers by index. */
export const SEMANTIC_TOKENS_LEGEND: SemanticTokensLegend = { tokenTypes: [...TYPES], tokenModifiers: [...MODIFIERS] };

const T = (name: TokenTypeName): number => TYPES.indexOf(name);
const M = { declaration: 1, readonly: 2, defaultLibrary: 4 } as const;

const BAR_FIELDS = new Set(["Kw_open", "Kw_high", "Kw_low", "Kw_close", "Kw_volume"]);
const NUMBERS = new Set(["Number", "Percent", "Money", "Timeframe", "Time", "BadNumber"]);
const OPERATORS = new Set(["EqEq", "NotEq", "GtEq", "LtEq", "Gt", "Lt", "Assign", "Plus", "Minus", "Star", "Slash"]);

/**
 * Semantic tokens for the whole document, from the lexer plus the AST:
 * `let` names (declaration or use), indicator calls and tickers get their
 * roles; keywords, numbers (all literal kinds), strings, comments and
 * operators come from the token type.
 */
export function semanticTokens(analysis: DocumentAnalysis, doc: TextDocument): SemanticTokens {
  const builder = new SemanticTokensBuilder();
  const result = analysis.result;
  if (!result) return builder.build();
  const roles = new Map<number, [number, number]>();
  for (const s of result.ast.statements) {
    if (s.type === "LetDecl") roles.set(s.name.span.start.offset, [T("variable"), M.declaration | M.readonly]);
    if (s.type === "SymbolDecl")
      for (const sym of s.symbols) if (sym.type === "Ident") roles.set(sym.span.start.offset, [T("namespace"), 0]);
    for (const e of allExprs(statementExprs(s))) {
      if (e.type === "Call") {
        roles.set(e.callee.span.start.offset, [T("function"), INDICATORS.has(e.callee.name) ? M.defaultLibrary : 0]);
      } else if (e.type === "Name" && result.semantic.resolve(e)) {
        roles.set(e.span.start.offset, [T("variable"), M.readonly]);
      }
    }
  }
  const lexed = tokenize(analysis.text);
  const all = [...lexed.tokens, ...lexed.comments].sort((a, b) => a.startOffset - b.startOffset);
  for (const t of all) {
    const name = t.tokenType.name;
    let type: number | undefined;
    let mods = 0;
    if (name === "Comment") type = T("comment");
    else if (name === "StringLit" || name === "BadString") type = T("string");
    else if (NUMBERS.has(name)) type = T("number");
    else if (OPERATORS.has(name)) type = T("operator");
    else if (BAR_FIELDS.has(name)) {
      type = T("property");
      mods = M.readonly | M.defaultLibrary;
    } else if (name.startsWith("Kw_")) type = T("keyword");
    else if (name === "Identifier") {
      const role = roles.get(t.startOffset);
      [type, mods] = role ?? [T("variable"), 0];
    }
    if (type === undefined) continue;
    const p = doc.positionAt(t.startOffset);
    builder.push(p.line, p.character, t.image.length, type, mods);
  }
  return builder.build();
}
