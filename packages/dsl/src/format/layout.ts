import type * as A from "../ast.js";
import { printComment, printStatement } from "./print.js";

/**
 * Lays out a parsed file: one statement per line, whole-line comments where
 * they stood, trailing comments after their statement (two spaces before
 * `#`), at most one blank line where the user had any, and a blank line
 * wherever the statement group changes (header → lets → rules).
 */

type Group = "header" | "let" | "rule";

function groupOf(s: A.Statement): Group {
  switch (s.type) {
    case "LetDecl":
      return "let";
    case "ConditionRule":
    case "TrailingStopRule":
      return "rule";
    default:
      return "header";
  }
}

interface Item {
  /** 1-based source line the item starts on. */
  readonly line: number;
  readonly text: string;
  /** Set for statements; whole-line comments have none. */
  readonly group?: Group;
}

/** The canonical text of `ast` (statements and comments); empty for a file with neither. */
export function layout(ast: A.PlanFile): string {
  const trailing = new Map<number, A.Comment>();
  const statementLines = new Set(ast.statements.map((s) => s.span.start.line));
  const items: Item[] = [];
  for (const c of ast.comments) {
    const line = c.span.start.line;
    if (statementLines.has(line)) trailing.set(line, c);
    else items.push({ line, text: printComment(c.text) });
  }
  for (const s of ast.statements) {
    const line = s.span.start.line;
    const comment = trailing.get(line);
    const text = printStatement(s) + (comment ? `  ${printComment(comment.text)}` : "");
    items.push({ line, text, group: groupOf(s) });
  }
  // Stable sort: a statement and a comment never share a line here, so order by line is total.
  items.sort((a, b) => a.line - b.line);

  const blankBefore = items.map((it, i) => i > 0 && it.line - (items[i - 1] as Item).line > 1);
  let previousGroup: Group | undefined;
  items.forEach((it, i) => {
    if (!it.group) return;
    if (previousGroup !== undefined && previousGroup !== it.group) {
      // The comments directly above a statement belong to it: the group's blank line goes above them.
      let start = i;
      while (start > 0) {
        const prev = items[start - 1] as Item;
        if (prev.group || blankBefore[start]) break;
        start--;
      }
      blankBefore[start] = true;
    }
    previousGroup = it.group;
  });

  const out: string[] = [];
  items.forEach((it, i) => {
    if (blankBefore[i]) out.push("");
    out.push(it.text);
  });
  return out.length === 0 ? "" : `${out.join("\n")}\n`;
}
