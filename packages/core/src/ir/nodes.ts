import type { Atr } from "../indicators/atr.js";
import type { ValueIndicator } from "../indicators/types.js";
import type { Vwap } from "../indicators/vwap.js";

/**
 * The cursor a program moves over its stream's bars while it updates nodes:
 * `slot` is the physical ring-buffer slot of the bar being processed.
 */
export interface BarCursor {
  slot: number;
  /** True on the first bar of a new session (VWAP resets). */
  newSession: boolean;
}

/**
 * One compiled IR node. `value` is a number; booleans are 1 (true) and 0
 * (false); NaN means "not warm" (or undefined, e.g. a division by zero).
 * `update()` is called once per closed bar of the node's stream, after its
 * children (the program keeps nodes in dependency order), and allocates
 * nothing.
 */
export abstract class EvalNode {
  value = Number.NaN;
  abstract update(): void;
}

/** A constant; never in a program's update list. */
export class ConstNode extends EvalNode {
  constructor(v: number) {
    super();
    this.value = v;
  }
  update(): void {}
}

/** A bar field of the bar under the cursor. */
export class FieldNode extends EvalNode {
  constructor(
    private readonly cur: BarCursor,
    private readonly col: Float64Array,
  ) {
    super();
  }
  update(): void {
    this.value = this.col[this.cur.slot]!;
  }
}

/** A value indicator over a child series; NaN inputs (child not warm) are skipped by the indicator. */
export class IndicatorNode extends EvalNode {
  constructor(
    private readonly src: EvalNode,
    private readonly ind: ValueIndicator,
  ) {
    super();
  }
  update(): void {
    this.ind.update(this.src.value);
    this.value = this.ind.value;
  }
}

/** ATR reads high/low/close of the bar itself. */
export class AtrNode extends EvalNode {
  constructor(
    private readonly cur: BarCursor,
    private readonly high: Float64Array,
    private readonly low: Float64Array,
    private readonly close: Float64Array,
    private readonly atr: Atr,
  ) {
    super();
  }
  update(): void {
    const s = this.cur.slot;
    this.atr.updateHLC(this.high[s]!, this.low[s]!, this.close[s]!);
    this.value = this.atr.value;
  }
}

/** VWAP reads the bar itself and resets when the cursor says a new session began. */
export class VwapNode extends EvalNode {
  constructor(
    private readonly cur: BarCursor,
    private readonly high: Float64Array,
    private readonly low: Float64Array,
    private readonly close: Float64Array,
    private readonly volume: Float64Array,
    private readonly vwap: Vwap,
  ) {
    super();
  }
  update(): void {
    const s = this.cur.slot;
    if (this.cur.newSession) this.vwap.reset();
    this.vwap.updateHLCV(this.high[s]!, this.low[s]!, this.close[s]!, this.volume[s]!);
    this.value = this.vwap.value;
  }
}

/** `e[n]`: the child's value `n` bars ago, from a ring of the child's last `n + 1` values. */
export class BackNode extends EvalNode {
  private readonly ring: Float64Array;
  private idx = 0;
  constructor(
    private readonly child: EvalNode,
    n: number,
  ) {
    super();
    this.ring = new Float64Array(n + 1).fill(Number.NaN);
  }
  update(): void {
    const r = this.ring;
    r[this.idx] = this.child.value;
    this.idx = this.idx + 1 === r.length ? 0 : this.idx + 1;
    // After advancing, idx points at the oldest entry: the value n bars ago.
    this.value = r[this.idx]!;
  }
}

/** Something that can bring itself up to date with its stream (a {@link StreamProgram}). */
export interface Syncable {
  sync(): void;
}

/**
 * `e of tf`: reads a node that lives in another stream's program. That
 * program only ever sees closed bars of `tf`, so this is the value as of the
 * last closed `tf` bar: no look-ahead, no repainting.
 */
export class OfNode extends EvalNode {
  constructor(
    private readonly other: Syncable,
    private readonly inner: EvalNode,
  ) {
    super();
  }
  update(): void {
    this.other.sync();
    this.value = this.inner.value;
  }
}

export class NegNode extends EvalNode {
  constructor(private readonly e: EvalNode) {
    super();
  }
  update(): void {
    this.value = -this.e.value;
  }
}

export class NotNode extends EvalNode {
  constructor(private readonly e: EvalNode) {
    super();
  }
  update(): void {
    const v = this.e.value;
    this.value = Number.isNaN(v) ? Number.NaN : v === 0 ? 1 : 0;
  }
}

export const ARITH_OPS = { "+": 0, "-": 1, "*": 2, "/": 3 } as const;

/** Arithmetic; a non-finite result (division by zero) becomes NaN so nothing fires on it. */
export class ArithNode extends EvalNode {
  constructor(
    private readonly op: number,
    private readonly l: EvalNode,
    private readonly r: EvalNode,
  ) {
    super();
  }
  update(): void {
    const a = this.l.value;
    const b = this.r.value;
    let v: number;
    switch (this.op) {
      case 0:
        v = a + b;
        break;
      case 1:
        v = a - b;
        break;
      case 2:
        v = a * b;
        break;
      default:
        v = a / b;
    }
    this.value = v - v === 0 ? v : Number.NaN;
  }
}

export const CMP_OPS = { ">": 0, ">=": 1, "<": 2, "<=": 3, "==": 4, "!=": 5 } as const;

/** Comparison; NaN when either side is not warm. */
export class CmpNode extends EvalNode {
  constructor(
    private readonly op: number,
    private readonly l: EvalNode,
    private readonly r: EvalNode,
  ) {
    super();
  }
  update(): void {
    const a = this.l.value;
    const b = this.r.value;
    if (Number.isNaN(a) || Number.isNaN(b)) {
      this.value = Number.NaN;
      return;
    }
    let t: boolean;
    switch (this.op) {
      case 0:
        t = a > b;
        break;
      case 1:
        t = a >= b;
        break;
      case 2:
        t = a < b;
        break;
      case 3:
        t = a <= b;
        break;
      case 4:
        t = a === b;
        break;
      default:
        t = a !== b;
    }
    this.value = t ? 1 : 0;
  }
}

/**
 * `l crosses above r`: `l > r` now and `l <= r` on the previous bar (mirrored
 * for below). NaN until both sides have a current and a previous value.
 */
export class CrossNode extends EvalNode {
  private pl = Number.NaN;
  private pr = Number.NaN;
  constructor(
    private readonly above: boolean,
    private readonly l: EvalNode,
    private readonly r: EvalNode,
  ) {
    super();
  }
  update(): void {
    const a = this.l.value;
    const b = this.r.value;
    const pa = this.pl;
    const pb = this.pr;
    this.pl = a;
    this.pr = b;
    if (Number.isNaN(a) || Number.isNaN(b) || Number.isNaN(pa) || Number.isNaN(pb)) {
      this.value = Number.NaN;
      return;
    }
    this.value = (this.above ? a > b && pa <= pb : a < b && pa >= pb) ? 1 : 0;
  }
}

/**
 * `and` / `or`. Strict: NaN when either side is not warm, even if the other
 * side alone would decide, because a rule must not fire before all of its
 * inputs are warm.
 */
export class LogicNode extends EvalNode {
  constructor(
    private readonly isAnd: boolean,
    private readonly l: EvalNode,
    private readonly r: EvalNode,
  ) {
    super();
  }
  update(): void {
    const a = this.l.value;
    const b = this.r.value;
    if (Number.isNaN(a) || Number.isNaN(b)) {
      this.value = Number.NaN;
      return;
    }
    this.value = (this.isAnd ? a !== 0 && b !== 0 : a !== 0 || b !== 0) ? 1 : 0;
  }
}
