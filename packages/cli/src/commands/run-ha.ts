import { hostname } from "node:os";
import { type LeaseHolding, standBy, type TradeplanConfig } from "@tradeplan/live";
import { type Acquired, isPostgresUrl, LeaseKeeper } from "@tradeplan/store";
import { UsageError } from "../errors.js";

/** The hot standby's settings of one run (`--ha URL` or `storage.ha.enabled`). */
export interface HaSettings {
  readonly url: string;
  readonly account: string;
  readonly holder: string;
  readonly ttlMs: number;
  /** Where the URL came from, for messages. */
  readonly where: string;
}

/**
 * The run's hot-standby settings, or undefined without `--ha` and
 * `storage.ha.enabled`. The lease lives in the database of the journal and
 * the state (the fence must share their transactions): `--ha URL` sets that
 * database, and may not disagree with `--audit` or a PostgreSQL
 * `storage.database`; `storage.ha.enabled` needs `storage.database` on PostgreSQL.
 */
export function haSettings(
  config: TradeplanConfig,
  ha: string | undefined,
  audit: string | undefined,
  configShown: string,
): HaSettings | undefined {
  const h = config.storage.ha;
  if (ha === undefined && !h.enabled) return undefined;
  const configured = config.storage.database;
  let url: string;
  let where: string;
  if (ha !== undefined) {
    if (!isPostgresUrl(ha)) throw new UsageError(`--ha: must be a postgres://USER@HOST:PORT/DB URL, got \`${ha}\``);
    if (audit !== undefined && audit !== ha)
      throw new UsageError("--ha and --audit name different databases: the lease, the journal and the state share one");
    if (isPostgresUrl(configured) && configured !== ha)
      throw new UsageError(
        `--ha ${ha} is not ${configShown}'s storage.database (${configured}): the lease, the journal and the state share one database`,
      );
    url = ha;
    where = "--ha";
  } else {
    const given = audit ?? configured;
    if (!isPostgresUrl(given))
      throw new UsageError(
        `${configShown}: storage.ha.enabled needs storage.database on PostgreSQL (postgres://USER@HOST:PORT/DB), got \`${given}\``,
      );
    url = given;
    where = audit !== undefined ? "--audit" : `${configShown}: storage.database`;
  }
  return {
    url,
    where,
    account: config.storage.account,
    holder: h.holder ?? `${hostname()}:${process.pid}`,
    ttlMs: h.ttl_ms,
  };
}

/** A lease taken: this process leads the account. */
export interface Leadership {
  readonly keeper: LeaseKeeper & LeaseHolding;
  readonly acquired: Acquired;
  /** Milliseconds spent standing by. */
  readonly waitedMs: number;
}

/**
 * Opens the lease and stands by until this process takes it (or `signal`
 * aborts: undefined). Throws the lease's one-line errors (URL, connection,
 * tables) for a failed start.
 */
export async function takeLead(
  s: HaSettings,
  log: (level: "info" | "warn", message: string) => void,
  signal: AbortSignal | undefined,
): Promise<Leadership | undefined> {
  const keeper = await LeaseKeeper.open(s.url, {
    account: s.account,
    holder: s.holder,
    ttlMs: s.ttlMs,
    where: s.where,
  });
  log(
    "info",
    `ha: ${s.holder} stands by for account ${s.account} on ${keeper.label} (lease TTL ${s.ttlMs} ms, renewed every ${Math.floor(s.ttlMs / 3)} ms)`,
  );
  const started = performance.now();
  let acquired: Acquired | undefined;
  try {
    acquired = await standBy(keeper, { ...(signal ? { signal } : {}), warn: (m) => log("warn", `ha: ${m}`) });
  } catch (e) {
    await keeper.close();
    throw e;
  }
  if (!acquired) {
    await keeper.close();
    return undefined;
  }
  const waitedMs = Math.round(performance.now() - started);
  log(
    "info",
    `ha: ${s.holder} leads account ${s.account} (epoch ${acquired.epoch}${acquired.previous !== undefined ? `, taken over from ${acquired.previous}, ${acquired.terminated} of its connections terminated` : ""}) after ${waitedMs} ms standing by`,
  );
  return { keeper, acquired, waitedMs };
}
