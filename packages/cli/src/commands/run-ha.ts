import { hostname } from "node:os";
import { type LeaseHolding, standBy, type TradeplanConfig } from "@tradeplan/live";
import { type Acquired, isPostgresUrl, LeaseKeeper, ShadowComparer, shadowAccountOf } from "@tradeplan/store";
import { UsageError } from "../errors.js";
import type { CliIO } from "../io.js";

/** The `run` flags of a shadow session: the standby's, with the paper broker and nothing that leaves the process. */
export function shadowOptions<
  T extends { broker?: unknown; audit?: unknown; ha?: unknown; result?: unknown; metricsPort?: unknown },
>(options: T): T {
  return { ...options, broker: "paper", audit: undefined, ha: undefined, result: undefined, metricsPort: undefined };
}

/**
 * The configuration of a standby's shadow session: the same plans, feed and
 * risk, the paper broker (nothing is sent), its journal and state in the
 * lease's database under `ACCOUNT.shadow.HOLDER`, no lease, no metrics, and
 * only its warnings and errors in the log.
 */
export function shadowConfig(config: TradeplanConfig, ha: HaSettings): TradeplanConfig {
  return {
    ...config,
    storage: {
      ...config.storage,
      database: ha.url,
      account: shadowAccountOf(ha.account, ha.holder),
      ha: { ...config.storage.ha, enabled: false },
    },
    broker: { ...config.broker, type: "paper" },
    metrics: { ...config.metrics, enabled: false },
    execution_logging: { ...config.execution_logging, level: "warn" },
  };
}

/** The shadow session's I/O: its summary (stdout) dropped, its log where the standby's goes. */
export function quietIo(io: CliIO): CliIO {
  return { ...io, stdout: { write: () => true } };
}

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

/**
 * Compares the shadow session's decisions with the leader's every TTL
 * (ShadowComparer); a divergence is logged as a warning (`shadow_divergence`,
 * the first few of each round). Returns the counts at stop.
 */
async function watchShadow(
  s: HaSettings,
  shadowAccount: string,
  log: (level: "info" | "warn", message: string) => void,
): Promise<{ stop(): Promise<{ compared: number; diverged: number }> }> {
  const comparer = await ShadowComparer.open(s.url, s.account, shadowAccount, s.where);
  let compared = 0;
  let diverged = 0;
  let running: Promise<void> | undefined;
  const round = async (): Promise<void> => {
    try {
      const r = await comparer.next();
      compared += r.compared;
      diverged += r.diverged.length;
      for (const d of r.diverged.slice(0, 5))
        log(
          "warn",
          `ha: shadow_divergence: rule ${d.rule} ${d.symbol} bar ${new Date(d.barTime).toISOString()}: the leader decided ${d.leader ?? "nothing"}, the shadow ${d.shadow ?? "nothing"}`,
        );
    } catch {
      // The server restarting: compared again next round.
    }
  };
  const timer = setInterval(() => {
    running ??= round().finally(() => {
      running = undefined;
    });
  }, s.ttlMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
      await round();
      await comparer.close();
      return { compared, diverged };
    },
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
  shadow?: (signal: AbortSignal) => Promise<number>,
): Promise<Leadership | undefined> {
  const keeper = await LeaseKeeper.open(s.url, {
    account: s.account,
    holder: s.holder,
    ttlMs: s.ttlMs,
    where: s.where,
  });
  const shadowAccount = shadowAccountOf(s.account, s.holder);
  log(
    "info",
    `ha: ${s.holder} stands by for account ${s.account} on ${keeper.label} (lease TTL ${s.ttlMs} ms, renewed every ${Math.floor(s.ttlMs / 3)} ms)${shadow ? `, deciding in shadow to account ${shadowAccount}` : ""}`,
  );
  const started = performance.now();
  const stopShadow = new AbortController();
  const shadowRun = shadow?.(stopShadow.signal).catch((e: unknown) => {
    log("warn", `ha: the shadow session stopped: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  });
  const compare = shadow ? await watchShadow(s, shadowAccount, log).catch(() => undefined) : undefined;
  let acquired: Acquired | undefined;
  try {
    acquired = await standBy(keeper, { ...(signal ? { signal } : {}), warn: (m) => log("warn", `ha: ${m}`) });
  } catch (e) {
    await keeper.close();
    throw e;
  } finally {
    // The shadow session stops before this process leads: it must not hold the feed's or the broker's connection.
    stopShadow.abort("this process takes the lead");
    await shadowRun;
    const counts = await compare?.stop();
    if (counts)
      log("info", `ha: shadow compared ${counts.compared} decisions with the leader's, ${counts.diverged} diverged`);
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
