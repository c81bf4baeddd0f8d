import { type Clock, ClockError, type TimerHandle } from "./clock.js";

interface VirtualTimer extends TimerHandle {
  readonly seq: number;
  readonly cb: () => void;
  active: boolean;
}

/**
 * Time that only moves when told to. {@link advanceTo} runs every due timer
 * in (time, creation) order, with `now()` set to each timer's due time while
 * its callback runs — including timers that callbacks schedule on the way —
 * then stops at the target time. Timers live in a binary heap, so thousands
 * of pending timers cost O(log n) each.
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly heap: VirtualTimer[] = [];
  private activeCount = 0;
  private advancing = false;
  /** Cleared timers still sitting in the heap; purged in bulk when they dominate it. */
  private clearedInHeap = 0;

  constructor(start = 0) {
    if (!Number.isFinite(start)) throw new ClockError("CLOCK_BAD_TIME", `start time ${start} is not finite`);
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  /** A timer due in the past (or now) fires on the next advance, at the then-current time. */
  setTimer(at: number, cb: () => void): TimerHandle {
    if (Number.isNaN(at)) throw new ClockError("CLOCK_BAD_TIME", "timer time is NaN");
    const timer: VirtualTimer = { at: Math.max(at, this.current), seq: this.seq++, cb, active: true };
    this.push(timer);
    this.activeCount++;
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    const timer = handle as VirtualTimer;
    if (!timer.active) return;
    timer.active = false;
    this.activeCount--;
    // A replay that clears most timers before they fire (bars closed by data) would otherwise grow the heap.
    if (++this.clearedInHeap > 1024 && this.clearedInHeap * 2 > this.heap.length) this.compact();
  }

  /** Number of timers armed and not yet fired or cleared. */
  pendingTimers(): number {
    return this.activeCount;
  }

  /** Due time of the earliest pending timer, or undefined. */
  nextTimerAt(): number | undefined {
    this.dropCleared();
    return this.heap[0]?.at;
  }

  /** Moves time forward to `t`, firing due timers in order. Throws CLOCK_BACKWARDS for `t < now()`. */
  advanceTo(t: number): void {
    if (!Number.isFinite(t)) throw new ClockError("CLOCK_BAD_TIME", `target time ${t} is not finite`);
    if (t < this.current) {
      throw new ClockError("CLOCK_BACKWARDS", `cannot move from ${this.current} back to ${t}`);
    }
    if (this.advancing) throw new ClockError("CLOCK_REENTRANT", "advanceTo called from inside a timer callback");
    this.advancing = true;
    try {
      for (;;) {
        this.dropCleared();
        const top = this.heap[0];
        if (top === undefined || top.at > t) break;
        this.pop();
        top.active = false;
        this.activeCount--;
        this.current = top.at;
        top.cb();
      }
      this.current = t;
    } finally {
      this.advancing = false;
    }
  }

  /** Moves time forward by `ms`. */
  advanceBy(ms: number): void {
    this.advanceTo(this.current + ms);
  }

  private dropCleared(): void {
    while (this.heap.length > 0 && !this.heap[0]!.active) {
      this.pop();
      this.clearedInHeap--;
    }
  }

  private compact(): void {
    const live = this.heap.filter((t) => t.active);
    this.heap.length = 0;
    this.clearedInHeap = 0;
    for (const t of live) this.push(t);
  }

  private less(a: VirtualTimer, b: VirtualTimer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(timer: VirtualTimer): void {
    const h = this.heap;
    h.push(timer);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
