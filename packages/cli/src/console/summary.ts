/** What `tradeplan run` prints when it ends: JSON for machines, these lines on a terminal. */
export interface RunSummary {
  /** Why the run ended (`--duration 60s elapsed`, `SIGTERM received`, `the feed has no more bars`). */
  readonly stopped: string;
  readonly state: string;
  readonly reason: string;
  readonly stats: { readonly barsIn: number; readonly barsRejected: number; readonly closes: number };
  readonly rejectedByReason: Readonly<Record<string, number>>;
  readonly engines: readonly { readonly plan: string; readonly signals: number; readonly orders: number }[];
  readonly positions: readonly { readonly symbol: string; readonly quantity: number; readonly avgPrice: number }[];
  readonly account: {
    readonly cash: number;
    readonly equity: number;
    readonly realizedPnl: number;
    readonly unrealizedPnl: number;
  };
}

const num = (v: number) => v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const signed = (v: number) => `${v > 0 ? "+" : v < 0 ? "-" : ""}${num(Math.abs(v))}`;

/** The summary for a person: the final state and why, counters, positions, account. */
export function renderRunSummary(s: RunSummary): string {
  const lines = [`stopped: ${s.stopped}; trading state ${s.state} (${s.reason})`];
  const rejected = Object.entries(s.rejectedByReason)
    .map(([code, n]) => `${code} ${n}`)
    .join(", ");
  lines.push(
    `bars ${s.stats.barsIn}${s.stats.barsRejected > 0 ? ` (${s.stats.barsRejected} rejected${rejected ? `: ${rejected}` : ""})` : ""} · closes ${s.stats.closes}`,
  );
  for (const e of s.engines) lines.push(`plan "${e.plan}": signals ${e.signals} · orders ${e.orders}`);
  if (s.positions.length === 0) lines.push("positions: flat");
  for (const p of s.positions)
    lines.push(
      `position ${p.symbol}: ${p.quantity > 0 ? "long" : "short"} ${Math.abs(p.quantity)} @ ${num(p.avgPrice)}`,
    );
  const a = s.account;
  lines.push(
    `account: cash ${num(a.cash)} · equity ${num(a.equity)} · P&L ${signed(a.realizedPnl + a.unrealizedPnl)} (realized ${signed(a.realizedPnl)})`,
  );
  return `${lines.join("\n")}\n`;
}
