/** Which hours a plan trades: exchange regular hours, extended hours, or around the clock. */
export type SessionKind = "regular" | "extended" | "always";

/** One trading session: `[open, close)` in epoch ms, on the exchange-local date `date`. */
export interface Session {
  /** Exchange-local date, `YYYY-MM-DD`. */
  readonly date: string;
  readonly open: number;
  readonly close: number;
  /** True when the exchange closes early that day (e.g. 13:00 on NYSE). */
  readonly earlyClose: boolean;
}

/**
 * When a market is open. All instants are epoch ms; a session belongs to
 * one exchange-local trade date and ends on it (CME Globex's opens the
 * evening before), and results are cached per local day so
 * repeated queries (one per bar) do not touch luxon.
 */
export interface MarketCalendar {
  /** Human-readable name, e.g. `NYSE regular`. */
  readonly name: string;
  /** IANA zone the sessions are defined in. */
  readonly zone: string;
  /** The session on an exchange-local date (`YYYY-MM-DD`), or null when closed that day. */
  sessionOn(date: string): Session | null;
  /** The session that contains `t` (`open <= t < close`), or null when the market is closed at `t`. */
  sessionBounds(t: number): Session | null;
  /** The session containing `t`, else the next one to open after `t`. */
  sessionAtOrAfter(t: number): Session;
  /** Whether the market is open at `t`. */
  isOpen(t: number): boolean;
  /** The first session open strictly after `t`. */
  nextOpen(t: number): number;
  /** The first session close strictly after `t` (the current session's close while open). */
  nextClose(t: number): number;
}
