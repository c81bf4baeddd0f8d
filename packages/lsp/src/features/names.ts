import { INDICATORS, KEYWORDS, type LetDecl } from "@tradeplan/dsl";
import {
  ErrorCodes,
  type Location,
  type Range,
  ResponseError,
  type TextEdit,
  type WorkspaceEdit,
} from "vscode-languageserver";
import type { DocumentAnalysis } from "../analysis.js";
import { exprPathAt, statementOnLine } from "../ast-query.js";
import { spanContains, toRange } from "../convert.js";

/** A `let` name under the cursor: the declaration it names and the range of the occurrence. */
export interface LetOccurrence {
  readonly decl: LetDecl;
  readonly range: Range;
}

/** The `let` declared or used at `offset` on 0-based `line`, if any. */
export function letAt(analysis: DocumentAnalysis, offset: number, line: number): LetOccurrence | undefined {
  const result = analysis.result;
  if (!result) return undefined;
  const s = statementOnLine(result.ast, line);
  if (!s) return undefined;
  if (s.type === "LetDecl" && spanContains(s.name.span, offset)) return { decl: s, range: toRange(s.name.span) };
  const e = exprPathAt(s, offset)[0];
  if (e?.type !== "Name") return undefined;
  const decl = result.semantic.resolve(e);
  return decl ? { decl, range: toRange(e.span) } : undefined;
}

export function definition(analysis: DocumentAnalysis, offset: number, line: number): Location | null {
  const hit = letAt(analysis, offset, line);
  return hit ? { uri: analysis.uri, range: toRange(hit.decl.name.span) } : null;
}

/** Every use of the `let` at the cursor, and its declaration when asked. */
export function references(
  analysis: DocumentAnalysis,
  offset: number,
  line: number,
  includeDeclaration: boolean,
): Location[] {
  const hit = letAt(analysis, offset, line);
  const semantic = analysis.result?.semantic;
  if (!hit || !semantic) return [];
  const out: Location[] = [];
  if (includeDeclaration) out.push({ uri: analysis.uri, range: toRange(hit.decl.name.span) });
  for (const use of semantic.references(hit.decl)) out.push({ uri: analysis.uri, range: toRange(use.span) });
  return out;
}

/** The range and current name of a renamable `let` at the cursor, or null (nothing else can be renamed). */
export function prepareRename(
  analysis: DocumentAnalysis,
  offset: number,
  line: number,
): { range: Range; placeholder: string } | null {
  const hit = letAt(analysis, offset, line);
  return hit ? { range: hit.range, placeholder: hit.decl.name.name } : null;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why `name` cannot be a new `let` name, or undefined when it can. */
export function invalidLetName(analysis: DocumentAnalysis, name: string, current: string): string | undefined {
  if (!IDENT.test(name)) return `\`${name}\` is not a name: use a letter or \`_\`, then letters, digits or \`_\``;
  if (Object.hasOwn(KEYWORDS, name)) return `\`${name}\` is a keyword`;
  if (INDICATORS.has(name)) return `\`${name}\` is an indicator`;
  if (name !== current && analysis.result?.semantic.lets.has(name)) return `\`${name}\` is already defined`;
  return undefined;
}

/**
 * Renames the `let` at the cursor and every use of it. An invalid new name
 * (a keyword, an indicator, a name already defined, not an identifier) is
 * an `InvalidParams` error saying why; elsewhere than on a `let` name too.
 */
export function rename(
  analysis: DocumentAnalysis,
  offset: number,
  line: number,
  newName: string,
): WorkspaceEdit | ResponseError<void> {
  const hit = letAt(analysis, offset, line);
  const semantic = analysis.result?.semantic;
  if (!hit || !semantic) return new ResponseError(ErrorCodes.InvalidParams, "only `let` names can be renamed");
  const why = invalidLetName(analysis, newName, hit.decl.name.name);
  if (why) return new ResponseError(ErrorCodes.InvalidParams, `cannot rename to \`${newName}\`: ${why}`);
  const edits: TextEdit[] = [{ range: toRange(hit.decl.name.span), newText: newName }];
  for (const use of semantic.references(hit.decl)) edits.push({ range: toRange(use.span), newText: newName });
  return { changes: { [analysis.uri]: edits } };
}
