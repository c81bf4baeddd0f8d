import { INDICATORS, statementExprs, type TokenKind, tokenize, tokenKind } from "@tradeplan/dsl";
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

/** The semantic token type of each kind of token the lexer makes (names and fields take their roles below). */
const KIND_TYPES: Partial<Record<TokenKind, TokenTypeName>> = {
  comment: "comment",
  string: "string",
  number: "number",
  percent: "number",
  money: "number",
  timeframe: "number",
  time: "number",
  operator: "operator",
  keyword: "keyword",
};

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
    let type: number | undefined;
    let mods = 0;
    const kind = tokenKind(t.tokenType);
    if (kind === "name") [type, mods] = roles.get(t.startOffset) ?? [T("variable"), 0];
    else if (kind === "field") {
      type = T("property");
      mods = M.readonly | M.defaultLibrary;
    } else {
      const name = KIND_TYPES[kind];
      if (name !== undefined) type = T(name);
    }
    if (type === undefined) continue;
    const p = doc.positionAt(t.startOffset);
    builder.push(p.line, p.character, t.image.length, type, mods);
  }
  return builder.build();
}
