import { LineIndex } from "@tradeplan/dsl";
import { type FoldingRange, FoldingRangeKind } from "vscode-languageserver";

type LineClass = "blank" | "comment" | "code";

function classify(line: string): LineClass {
  const t = line.trim();
  if (t === "" || t === "\ufeff") return "blank";
  return t.startsWith("#") ? "comment" : "code";
}

/**
 * Folds runs of two or more comment lines, and blocks of two or more
 * non-blank lines (paragraphs of lets or rules separated by blank lines).
 */
export function foldingRanges(text: string): FoldingRange[] {
  const lines = new LineIndex(text).lineTexts().map(classify);
  const out: FoldingRange[] = [];
  const runs = (pred: (c: LineClass) => boolean, kind?: FoldingRangeKind): void => {
    let start = -1;
    for (let i = 0; i <= lines.length; i++) {
      const inRun = i < lines.length && pred(lines[i] as LineClass);
      if (inRun && start < 0) start = i;
      if (!inRun && start >= 0) {
        if (i - 1 > start)
          out.push(kind ? { startLine: start, endLine: i - 1, kind } : { startLine: start, endLine: i - 1 });
        start = -1;
      }
    }
  };
  runs((c) => c === "comment", FoldingRangeKind.Comment);
  runs((c) => c !== "blank", FoldingRangeKind.Region);
  // A block that is only comments is already folded as a comment.
  const seen = new Set<string>();
  return out.filter((r) => {
    const key = `${r.startLine}:${r.endLine}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
