/**
 * Turning source text into terminal cells: tabs expanded, control characters
 * made visible (a plan file may hold anything, and raw escape sequences must
 * never reach the terminal), one cell per code point.
 */

/** Columns between tab stops. */
export const TAB_WIDTH = 4;

const REPLACEMENT = "\ufffd";

function isControl(cp: number): boolean {
  return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/** Replaces control characters (C0, DEL, C1) with U+FFFD and tabs with a space; used for messages and labels. */
export function sanitize(text: string): string {
  let out = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    // Tabs in one-line messages become a space, as their width is meaningless there.
    out += cp === 9 ? " " : isControl(cp) ? REPLACEMENT : ch;
  }
  return out;
}

/** A source line as display cells, and where each UTF-16 index of the line starts among them. */
export interface CellLine {
  readonly cells: readonly string[];
  /** `cellAt[i]` is the first cell of the character at UTF-16 index `i`; `cellAt[line.length]` is the cell count. */
  readonly cellAt: readonly number[];
}

export function toCells(line: string): CellLine {
  const cells: string[] = [];
  const cellAt: number[] = new Array(line.length + 1).fill(0);
  let i = 0;
  while (i < line.length) {
    const cp = line.codePointAt(i) ?? 0;
    const units = cp > 0xffff ? 2 : 1;
    for (let k = 0; k < units; k++) cellAt[i + k] = cells.length;
    if (cp === 9) {
      const n = TAB_WIDTH - (cells.length % TAB_WIDTH);
      for (let k = 0; k < n; k++) cells.push(" ");
    } else if (isControl(cp)) {
      cells.push(REPLACEMENT);
    } else {
      cells.push(String.fromCodePoint(cp));
    }
    i += units;
  }
  cellAt[line.length] = cells.length;
  return { cells, cellAt };
}

/** The cell where UTF-16 column `column` (1-based) starts; columns past the end continue one cell each. */
export function cellOfColumn(line: CellLine, column: number): number {
  const index = Math.max(0, column - 1);
  const last = line.cellAt.length - 1;
  if (index <= last) return line.cellAt[index] ?? 0;
  return (line.cellAt[last] ?? 0) + (index - last);
}
