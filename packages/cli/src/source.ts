import { isAbsolute, relative, resolve, sep } from "node:path";
import { LineIndex } from "@tradeplan/dsl";

/** A plan file as read: where it is, how to show its path, and its text. */
export interface SourceFile {
  /** Absolute path on disk. */
  readonly path: string;
  /** The path shown to the user: relative to the working directory when inside it, always with `/`. */
  readonly display: string;
  readonly text: string;
  /** Line `n` (1-based) is `lines[n - 1]`, without its line break (the dsl's `LineIndex` rule). */
  readonly lines: readonly string[];
}

const lenient = new TextDecoder("utf-8");
const strict = new TextDecoder("utf-8", { fatal: true });

/**
 * Bytes to text. Invalid UTF-8 becomes U+FFFD (which the lexer reports as
 * an unexpected character), so that any byte sequence can be checked. A
 * leading byte order mark is dropped.
 */
export function decode(bytes: Uint8Array): string {
  return lenient.decode(bytes);
}

/**
 * The byte offset where the first invalid UTF-8 sequence starts, or
 * undefined when the bytes are valid UTF-8 (overlong forms, surrogates and
 * code points past U+10FFFF are invalid, as in the WHATWG decoder).
 */
export function invalidUtf8At(bytes: Uint8Array): number | undefined {
  try {
    strict.decode(bytes);
    return undefined;
  } catch {
    // Only reached for invalid input: find where, byte by byte.
  }
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b < 0x80) need = 0;
    else if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return undefined;
}

/** The path to show for `path`: relative to `cwd` with `/` separators when inside it, else absolute with `/`. */
export function displayPath(path: string, cwd: string): string {
  const abs = resolve(cwd, path);
  const rel = relative(cwd, abs);
  const shown = rel === "" ? abs : rel.startsWith("..") || isAbsolute(rel) ? abs : rel;
  return sep === "/" ? shown : shown.split(sep).join("/");
}

export function sourceFile(path: string, cwd: string, text: string): SourceFile {
  const abs = resolve(cwd, path);
  return { path: abs, display: displayPath(abs, cwd), text, lines: new LineIndex(text).lineTexts() };
}
