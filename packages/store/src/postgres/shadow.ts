import { AuditError } from "../audit/errors.js";
import { connectPostgres, type PgClient, toPgAuditError } from "./client.js";
import { checkAccount, parsePostgresUrl } from "./url.js";

/** One decision a standby's shadow session made differently from the leader. */
export interface Divergence {
  readonly rule: string;
  readonly symbol: string;
  /** The bar close time (epoch ms). */
  readonly barTime: number;
  readonly leader: string | null;
  readonly shadow: string | null;
}

/** What one {@link ShadowComparer.next} compared. */
export interface Comparison {
  readonly compared: number;
  readonly diverged: readonly Divergence[];
}

/**
 * The account a standby's shadow session journals to: `ACCOUNT.shadow.HOLDER`
 * (the holder's characters outside the account pattern replaced by `-`).
 */
export function shadowAccountOf(account: string, holder: string): string {
  return `${account}.shadow.${holder.replace(/[^A-Za-z0-9._-]/g, "-")}`.slice(0, 100);
}

/**
 * Compares a standby's shadow decisions with the leader's (`--ha`): the
 * `evaluation` records of the shadow chain, in its order, against the
 * leader's evaluation of the same rule, symbol and bar close. A decision
 * the leader has not reached yet (the shadow runs ahead) is compared on a
 * later call; one with another action, or one the leader passed without
 * making, is a divergence.
 */
export class ShadowComparer {
  private after = 0;

  private constructor(
    private readonly client: PgClient,
    private readonly leader: string,
    private readonly shadow: string,
    private readonly label: string,
  ) {}

  /** Connects (one-line {@link AuditError}s: the URL, the connection). */
  static async open(url: string, leader: string, shadow: string, where = "--ha"): Promise<ShadowComparer> {
    const target = parsePostgresUrl(url, where);
    checkAccount(leader, "storage.account");
    checkAccount(shadow, "the shadow account");
    const client = await connectPostgres(target, "tradeplan ha shadow comparer");
    return new ShadowComparer(client, leader, shadow, target.label);
  }

  /** Compares the shadow decisions made since the last call (at most `limit`). */
  async next(limit = 5_000): Promise<Comparison> {
    let rows: {
      seq: number;
      rule: string;
      symbol: string;
      bar_time: number;
      shadow: string | null;
      leader: string | null;
      decided: boolean;
    }[];
    let leaderLast: number;
    try {
      leaderLast =
        (
          await this.client.query<{ last: number | null }>(
            // The leader's last evaluation, not any record: a fill's or an order's time can be another clock's.
            "SELECT bar_time AS last FROM audit_records WHERE account = $1 AND kind = 'evaluation' ORDER BY seq DESC LIMIT 1",
            [this.leader],
          )
        ).rows[0]?.last ?? Number.NEGATIVE_INFINITY;
      rows = (
        await this.client.query(
          `SELECT s.seq, s.rule, s.symbol, s.bar_time, s.action AS shadow, l.action AS leader, l.seq IS NOT NULL AS decided
           FROM audit_records s
           LEFT JOIN LATERAL (
             SELECT seq, action FROM audit_records
             WHERE account = $2 AND bar_time = s.bar_time AND kind = 'evaluation' AND rule = s.rule AND symbol = s.symbol
             ORDER BY seq LIMIT 1) l ON true
           WHERE s.account = $1 AND s.kind = 'evaluation' AND s.seq > $3
           ORDER BY s.seq LIMIT $4`,
          [this.shadow, this.leader, this.after, limit],
        )
      ).rows;
    } catch (e) {
      throw toPgAuditError(e, "comparing the shadow decisions", this.label);
    }
    let compared = 0;
    const diverged: Divergence[] = [];
    for (const r of rows) {
      // The leader has not reached this bar yet: compare it (and what follows) next time. A bar it passed
      // without deciding it is a divergence (the shadow decided what the leader did not).
      if (!r.decided && r.bar_time >= leaderLast) break;
      compared++;
      this.after = r.seq;
      if (r.leader !== r.shadow)
        diverged.push({ rule: r.rule, symbol: r.symbol, barTime: r.bar_time, leader: r.leader, shadow: r.shadow });
    }
    return { compared, diverged };
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}
