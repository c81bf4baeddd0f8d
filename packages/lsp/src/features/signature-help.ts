import { INDICATORS } from "@tradeplan/dsl";
import { MarkupKind, type ParameterInformation, type SignatureHelp } from "vscode-languageserver";
import { lexLine } from "../line-tokens.js";

/**
 * Signature help inside an indicator call: the innermost unclosed `(` left
 * of the cursor whose callee is an indicator, with the argument the cursor
 * is in (commas at that depth) as the active parameter.
 */
export function signatureHelp(text: string, offset: number): SignatureHelp | null {
  const lex = lexLine(text, offset);
  if (lex.commentStart !== undefined && offset > lex.commentStart) return null;
  const before = lex.tokens.filter((t) => t.end <= offset);
  let depth = 0;
  let commas = 0;
  for (let i = before.length - 1; i >= 0; i--) {
    const t = before[i];
    if (!t) break;
    if (t.type === "RParen" || t.type === "RBracket") depth++;
    else if (t.type === "LBracket") {
      if (depth === 0) return null;
      depth--;
    } else if (t.type === "LParen") {
      if (depth > 0) {
        depth--;
        continue;
      }
      const callee = before[i - 1];
      const info = callee?.type === "Identifier" ? INDICATORS.get(callee.image) : undefined;
      if (!info) {
        // A parenthesised group: keep looking outward, its commas are not ours.
        commas = 0;
        continue;
      }
      const parameters: ParameterInformation[] = [];
      let at = info.signature.indexOf("(") + 1;
      for (const p of info.params) {
        const start = info.signature.indexOf(p.name, at);
        parameters.push({ label: [start, start + p.name.length], documentation: p.doc });
        at = start + p.name.length;
      }
      return {
        signatures: [
          {
            label: info.signature,
            documentation: { kind: MarkupKind.Markdown, value: `${info.doc}\n\nLookback: \`${info.lookback}\`` },
            parameters,
          },
        ],
        activeSignature: 0,
        activeParameter: Math.min(commas, Math.max(0, info.params.length - 1)),
      };
    } else if (t.type === "Comma" && depth === 0) commas++;
  }
  return null;
}
