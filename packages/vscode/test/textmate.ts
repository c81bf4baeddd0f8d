import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import oniguruma from "vscode-oniguruma";
import textmate from "vscode-textmate";

const require = createRequire(import.meta.url);
export const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));
export const GRAMMAR_FILE = fileURLToPath(new URL("../syntaxes/tradeplan.tmLanguage.json", import.meta.url));

/** A token of one line: its text, where it starts in the line, and its scopes (outermost first). */
export interface ScopedToken {
  readonly text: string;
  readonly start: number;
  readonly scopes: readonly string[];
}

let grammar: Promise<textmate.IGrammar> | undefined;

/** The extension's grammar, loaded once with VS Code's own engine (vscode-textmate on Oniguruma). */
export function loadGrammar(): Promise<textmate.IGrammar> {
  grammar ??= (async () => {
    const wasm = await readFile(require.resolve("vscode-oniguruma/release/onig.wasm"));
    await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
    const registry = new textmate.Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
        createOnigString: (s) => new oniguruma.OnigString(s),
      }),
      loadGrammar: async (scopeName) => {
        if (scopeName !== "source.tradeplan") return null;
        return textmate.parseRawGrammar(await readFile(GRAMMAR_FILE, "utf8"), GRAMMAR_FILE);
      },
    });
    const g = await registry.loadGrammar("source.tradeplan");
    if (!g) throw new Error("grammar source.tradeplan did not load");
    return g;
  })();
  return grammar;
}

/** Tokenizes a whole text line by line, as the editor does. */
export async function tokenizeText(text: string): Promise<ScopedToken[][]> {
  const g = await loadGrammar();
  let state = textmate.INITIAL;
  const lines: ScopedToken[][] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    const r = g.tokenizeLine(line, state);
    state = r.ruleStack;
    lines.push(
      r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), start: t.startIndex, scopes: t.scopes })),
    );
  }
  return lines;
}

/** The innermost scope of the token covering `column` (0-based) of a line. */
export function scopeAt(line: readonly ScopedToken[], column: number): string {
  const t = line.find((tok) => column >= tok.start && column < tok.start + tok.text.length);
  return t ? (t.scopes[t.scopes.length - 1] ?? "") : "";
}

/** All scopes of the token covering `column`. */
export function scopesAt(line: readonly ScopedToken[], column: number): readonly string[] {
  return line.find((tok) => column >= tok.start && column < tok.start + tok.text.length)?.scopes ?? [];
}
