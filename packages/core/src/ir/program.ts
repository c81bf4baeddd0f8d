import type { BarSeries } from "../bars/series.js";
import type { BarCursor, EvalNode, Syncable } from "./nodes.js";

/** Maps a bar's open time (epoch ms) to a session id; a change of id starts a new session (VWAP resets). */
export type SessionKeyFn = (barTime: number) => number;

/** Default session key: the UTC calendar day. Hosts should pass a calendar-aware key. */
export const utcSessionKey: SessionKeyFn = (t) => Math.floor(t / 86_400_000);

/**
 * The compiled nodes of one stream (symbol, timeframe) and the cursor they
 * read. `sync()` pulls: it processes every bar pushed into the series since
 * the last sync, oldest first, updating each node once per bar in dependency
 * order. Rules call it before reading a value, so the host only has to push
 * closed bars into the series.
 *
 * If more bars arrived than the buffer holds since the last sync, the ones
 * already overwritten are lost to the indicators (they restart their windows
 * from what is cached); normal operation syncs after every close.
 */
export class StreamProgram implements Syncable {
  readonly cursor: BarCursor = { slot: 0, newSession: false };
  /** Nodes in dependency order (children first). */
  readonly nodes: EvalNode[] = [];
  /** Bars processed so far (compare with `series.count`). */
  processed = 0;
  /** Whether any node needs session boundaries (VWAP). */
  needsSession = false;
  private lastSession = Number.NaN;
  private syncing = false;

  constructor(
    readonly series: BarSeries,
    private readonly sessionKey: SessionKeyFn,
  ) {}

  add<N extends EvalNode>(node: N): N {
    this.nodes.push(node);
    return node;
  }

  sync(): void {
    const buf = this.series.buffer;
    const target = buf.count;
    // Re-entrant sync (a cycle of `of` reads) just reads current values.
    if (this.processed === target || this.syncing) return;
    this.syncing = true;
    try {
      let pending = target - this.processed;
      if (pending > buf.length) pending = buf.length;
      const nodes = this.nodes;
      const n = nodes.length;
      const cap = buf.capacity;
      const head = buf.slotOf(0);
      const times = buf.cols.time;
      for (let back = pending - 1; back >= 0; back--) {
        const s = head - back;
        const slot = s < 0 ? s + cap : s;
        this.cursor.slot = slot;
        if (this.needsSession) {
          const key = this.sessionKey(times[slot]!);
          this.cursor.newSession = key !== this.lastSession;
          this.lastSession = key;
        }
        for (let i = 0; i < n; i++) nodes[i]!.update();
      }
      this.processed = target;
    } finally {
      this.syncing = false;
    }
  }
}
