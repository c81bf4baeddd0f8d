import type { Span } from "../ast.js";
import type { Fix } from "../diagnostics.js";

/**
 * "Did you mean" suggestions. A hand-written optimal-string-alignment
 * distance (Damerau-Levenshtein without repeated edits of one substring):
 * the candidate lists are tiny (let names, indicators, risk settings, ~400
 * time zones), so a dependency would buy nothing.
 */

/** Edit distance counting insertions, deletions, substitutions and swaps of two adjacent characters. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  // Three rolling rows: the swap rule looks two rows back.
  let prev2: number[] = new Array<number>(b.length + 1).fill(0);
  let prev: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  let cur: number[] = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, (prev2[j - 2] as number) + 1);
      }
      cur[j] = d;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[b.length] as number;
}

/** The largest distance still worth suggesting for a word of this length. */
function budget(word: string): number {
  return Math.max(1, Math.floor(word.length / 3));
}

/**
 * The closest candidate to `word`, or undefined when nothing is close.
 * Case is ignored when measuring (an exact case-insensitive match wins),
 * ties go to the earlier candidate, so callers list likely names first.
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    if (c === word) continue;
    const d = editDistance(w, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= budget(word) ? best : undefined;
}

/** A `did you mean` hint plus the matching machine-applicable fix (the LSP turns it into a code action). */
export function suggestion(span: Span, replacement: string, shown = replacement): { hint: string; fix: Fix } {
  return {
    hint: `did you mean \`${shown}\`?`,
    fix: { span, text: replacement, title: `Replace with \`${shown}\`` },
  };
}
