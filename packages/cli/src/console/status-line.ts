import type { LocalTime } from "../render/local-time.js";

/** What the run console's status line shows: one snapshot of the session. */
export interface RunStatus {
  /** The trading state (INITIALIZING, ACTIVE, REDUCING, HALTED) and why. */
  readonly state: string;
  /** The market clock: real time live, the replayed time in a replay. */
  readonly marketTime: number;
  readonly bars: number;
  readonly rejectedBars: number;
  readonly signals: number;
  readonly orders: number;
  /** Realized plus unrealized, in the account's currency. */
  readonly pnl: number;
  /** `closed`, `open`, `half-open`, or `off` when there is no breaker. */
  readonly breaker: string;
}

const SEP = " │ ";

function money(v: number): string {
  const sign = v > 0 ? "+" : v < 0 ? "-" : "";
  return `${sign}${Math.abs(v).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/**
 * `ACTIVE │ 2024-02-20 10:15 America/New_York │ bars 45 │ signals 3 │ orders 2 │ P&L +12.50 │ breaker closed`,
 * cut to `width` columns (a status line that wraps could not be redrawn in place).
 */
export function formatStatus(s: RunStatus, local: LocalTime, width: number): string {
  const parts = [
    s.state,
    `${local.dateTime(s.marketTime)} ${local.zone}`,
    s.rejectedBars > 0 ? `bars ${s.bars} (${s.rejectedBars} rejected)` : `bars ${s.bars}`,
    `signals ${s.signals}`,
    `orders ${s.orders}`,
    `P&L ${money(s.pnl)}`,
    `breaker ${s.breaker}`,
  ];
  const line = parts.join(SEP);
  const max = Math.max(10, width - 1);
  return [...line].length <= max ? line : `${[...line].slice(0, max - 1).join("")}…`;
}
