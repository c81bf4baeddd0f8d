import type { Comment, Position, Statement } from "./ast.js";
import { type Diagnostic, MAX_DIAGNOSTICS } from "./diagnostics.js";
import { ListCollector } from "./incremental-collect.js";
import type { LineIndex } from "./line-index.js";
import { parse } from "./parser.js";

/**
 * The per-line half of the incremental analyzer: a file is cut into lines
 * exactly as the parser cuts it (`\r\n`, `\r`, `\n`), each line is parsed on
 * its own, and a line whose text did not change keeps its parse — the same
 * statement object, comments and diagnostics — from one update to the next.
 *
 * A line parsed alone has positions relative to its own start. Instead of
 * copying its nodes whenever lines above it grow or shrink, the line keeps a
 * list of every position object its nodes and diagnostics hold and moves
 * them in place: a keystroke then costs one line's parse plus a few number
 * writes per moved position, not a copy of the rest of the file.
 */

/** A `Position` that the line that owns it may move. */
type MovablePosition = { -readonly [K in keyof Position]: Position[K] };

/** One line's parse, placed at `offset` (its first character) and `index` (0-based line number). */
export interface LineParse {
  readonly text: string;
  readonly statement: Statement | undefined;
  readonly comments: readonly Comment[];
  /** Lexical and syntax diagnostics, in the order the parser reported them. */
  readonly diagnostics: readonly Diagnostic[];
  offset: number;
  index: number;
  /** Every distinct position object reachable from the above. */
  readonly positions: readonly MovablePosition[];
}

/** An empty line: nothing to parse, nothing to move, shared by every empty line. */
const EMPTY_LINE: LineParse = {
  text: "",
  statement: undefined,
  comments: [],
  diagnostics: [],
  offset: 0,
  index: 0,
  positions: [],
};

function isPosition(x: object): x is MovablePosition {
  const p = x as Partial<Position>;
  return typeof p.offset === "number" && typeof p.line === "number" && typeof p.column === "number";
}

/** Every distinct position object below `roots` (AST nodes and diagnostics are trees of plain objects and arrays). */
function collectPositions(roots: readonly unknown[]): MovablePosition[] {
  const out: MovablePosition[] = [];
  const seen = new Set<object>();
  const stack: unknown[] = [...roots];
  while (stack.length > 0) {
    const x = stack.pop();
    if (typeof x !== "object" || x === null || seen.has(x)) continue;
    seen.add(x);
    if (Array.isArray(x)) {
      for (const v of x) stack.push(v);
    } else if (isPosition(x)) {
      out.push(x);
    } else {
      for (const v of Object.values(x)) stack.push(v);
    }
  }
  return out;
}

/** Parses one line (no line break in `text`) and places it at `offset`, line `index`. */
export function parseLine(text: string, offset: number, index: number): LineParse {
  if (text === "") return EMPTY_LINE;
  // Report order is kept: it decides the order of diagnostics at one offset.
  const recorded: Diagnostic[] = [];
  const file = parse(text, new ListCollector(recorded));
  const statement = file.statements[0];
  const line: LineParse = {
    text,
    statement,
    comments: file.comments,
    diagnostics: recorded,
    offset: 0,
    index: 0,
    positions: collectPositions([statement, file.comments, recorded]),
  };
  moveLine(line, offset, index);
  return line;
}

/** Past this many lines to parse (and a fifth of the file), one parse of the whole file is cheaper than one per line. */
const WHOLE_FILE_LINES = 100;

/**
 * Every line's parse from one parse of the whole file (a document being
 * opened): statements, comments and diagnostics go to the line they start
 * on, diagnostics in the parser's report order. Undefined when the parser
 * reached the diagnostics cap, where it stops early: then lines must be
 * parsed one by one.
 */
function parseWhole(lines: LineIndex): LineParse[] | undefined {
  const recorded: Diagnostic[] = [];
  const file = parse(lines.text, new ListCollector(recorded));
  if (recorded.length >= MAX_DIAGNOSTICS) return undefined;
  const texts = lines.lineTexts();
  const statements: (Statement | undefined)[] = new Array(texts.length);
  const comments: Comment[][] = [];
  const diagnostics: Diagnostic[][] = [];
  const lineOf = (offset: number): number => lines.lineIndex(offset);
  for (const st of file.statements) statements[lineOf(st.span.start.offset)] = st;
  const add = <T>(lists: T[][], at: number, x: T): void => {
    const list = lists[at];
    if (list) list.push(x);
    else lists[at] = [x];
  };
  for (const c of file.comments) add(comments, lineOf(c.span.start.offset), c);
  for (const d of recorded) add(diagnostics, lineOf(d.span.start.offset), d);
  return texts.map((text, i) => {
    if (text === "") return EMPTY_LINE;
    const statement = statements[i];
    const cs = comments[i] ?? [];
    const ds = diagnostics[i] ?? [];
    return {
      text,
      statement,
      comments: cs,
      diagnostics: ds,
      offset: lines.lineStart(i),
      index: i,
      positions: collectPositions([statement, cs, ds]),
    };
  });
}

/** Moves a line's positions to `offset` and line `index` (0-based). */
export function moveLine(line: LineParse, offset: number, index: number): void {
  const dOffset = offset - line.offset;
  const dLine = index - line.index;
  if (dOffset === 0 && dLine === 0) return;
  for (const p of line.positions) {
    p.offset += dOffset;
    p.line += dLine;
  }
  line.offset = offset;
  line.index = index;
}

/**
 * The parses of a file's lines, reusing those of the previous file: lines
 * equal at the start and at the end are kept in place, and the lines
 * between are taken from the previous middle by text where they match
 * (lines moved by a cut and paste), or parsed.
 */
export class LineCache {
  private lines: LineParse[] = [];
  /** Lines parsed by the last `update` (tests read it to see what was reused). */
  parsed = 0;

  update(lines: LineIndex): readonly LineParse[] {
    const texts = lines.lineTexts();
    const old = this.lines;
    const n = texts.length;
    const m = old.length;
    const next: LineParse[] = new Array(n);
    let head = 0;
    while (head < n && head < m && (old[head] as LineParse).text === texts[head]) {
      next[head] = old[head] as LineParse;
      head++;
    }
    let tail = 0;
    while (tail < n - head && tail < m - head && (old[m - 1 - tail] as LineParse).text === texts[n - 1 - tail]) {
      next[n - 1 - tail] = old[m - 1 - tail] as LineParse;
      tail++;
    }
    const pool = new Map<string, LineParse[]>();
    for (let i = m - tail - 1; i >= head; i--) {
      const l = old[i] as LineParse;
      if (l === EMPTY_LINE) continue;
      const same = pool.get(l.text);
      if (same) same.push(l);
      else pool.set(l.text, [l]);
    }
    const missing: number[] = [];
    for (let i = head; i < n - tail; i++) {
      const text = texts[i] as string;
      // Popped from the end of a list built backwards: repeated lines are reused in their old order.
      const reused = pool.get(text)?.pop();
      if (reused) next[i] = reused;
      else if (text === "") next[i] = EMPTY_LINE;
      else missing.push(i);
    }
    this.parsed = missing.length;
    const whole = missing.length > WHOLE_FILE_LINES && missing.length * 5 > n ? parseWhole(lines) : undefined;
    for (const i of missing)
      next[i] = whole ? (whole[i] as LineParse) : parseLine(texts[i] as string, lines.lineStart(i), i);
    for (let i = 0; i < n; i++) {
      const l = next[i] as LineParse;
      if (l !== EMPTY_LINE) moveLine(l, lines.lineStart(i), i);
    }
    this.lines = next;
    return next;
  }
}
