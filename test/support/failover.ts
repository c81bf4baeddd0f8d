/**
 * The failover chaos driver (issue 18): two `tradeplan run --ha` processes
 * for one account on a throw-away PostgreSQL, trading through the loopback
 * fake TWS (which refuses a reused order id, error 103, and records every
 * order with its `orderRef`), kept running by a supervisor loop (a process
 * that exits is started again, as systemd would), while faults hit the
 * leader: kill -9, SIGSTOP (then SIGCONT once a standby took over), a
 * PostgreSQL restart, and its connections terminated (pg_terminate_backend).
 * After every fault: a new epoch of the lease, and the journal verifies.
 * At the end: doubled orders at the broker, orders sent without a committed
 * intent, decisions doubled or lost (against a reference run of the same
 * simulated bars), and the takeover times per fault.
 *
 * Used by test/e2e/failover.test.ts (the installed binary, 50+ faults) and
 * bench/failover.bench.ts (the built CLI, 200+ faults).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  connectPostgres,
  haApplicationName,
  type PgClient,
  PostgresJournalReader,
  parsePostgresUrl,
} from "../../packages/store/src/index.js";
import { type FakeTws, startFakeTws } from "../fake-tws/index.js";
import type { PgCluster } from "./postgres-cluster.js";

export type FaultKind = "kill9" | "sigstop" | "pg_restart" | "pg_terminate";

export const FAULT_KINDS: readonly FaultKind[] = ["kill9", "sigstop", "pg_terminate", "pg_restart"];

export interface FailoverOptions {
  readonly cluster: PgCluster;
  /** A folder for the configs, plans and logs. */
  readonly dir: string;
  /** How to start tradeplan: the program and the arguments before `run ...`. */
  readonly tradeplan: { readonly command: string; readonly args: readonly string[] };
  /** Environment of the processes (PATH for the installed binary, ...). */
  readonly env: NodeJS.ProcessEnv;
  readonly faults: number;
  /** The kinds, in turn (default all four). */
  readonly kinds?: readonly FaultKind[];
  readonly ttlMs: number;
  /** Progress lines. */
  readonly progress?: (line: string) => void;
  /** How long one fault may take to be followed by a takeover before the run fails (a hang guard). */
  readonly takeoverLimitMs?: number;
}

export interface FailoverReport {
  readonly faults: Record<FaultKind, number>;
  /** Fault to the new epoch's lease, per kind (ms). */
  readonly takeoverMs: Record<FaultKind, number[]>;
  /** Fault to the first batch the new leader committed, per kind (ms). */
  readonly resumeMs: Record<FaultKind, number[]>;
  /** Takeovers with no fault injected (a leader starved past its TTL on a loaded machine). */
  readonly spontaneous: number;
  readonly epochs: number;
  /** Orders TWS received (accepted), and those refused for a reused order id. */
  readonly ordersAtBroker: number;
  readonly duplicateOrderIds: number;
  /** orderRefs TWS received more than once. */
  readonly doubledOrders: number;
  /** Orders at TWS whose orderRef has no committed intent: sent outside the fence. */
  readonly unfenced: number;
  readonly intents: number;
  /** Intents committed whose order never reached TWS: the leader died between its commit and its send. */
  readonly intentsNotSent: number;
  /** (rule, bar close) decided more than once in the chain. */
  readonly doubledDecisions: number;
  /** (rule, bar close) the reference run decided, up to the chain's last, that the chain lacks. */
  readonly lostDecisions: number;
  readonly decisions: number;
  /** The chain's verification after each fault: failures (0 expected). */
  readonly verifyFailures: readonly string[];
  readonly verifications: number;
  readonly processStarts: number;
  /** Decisions the standbys' shadow sessions compared with the leader's, and those that diverged. */
  readonly shadowCompared: number;
  readonly shadowDiverged: number;
}

const ACCOUNT = "default";
const PLAN = `plan "failover"
symbol AAPL
timezone "America/New_York"

on 1m close > open enter long size 1 shares
on 1m close < open exit long
`;

function config(url: string, twsPort: number, clientId: number, holder: string, ttlMs: number): string {
  return `feed:
  type: sim
  sim:
    seed: 7
    interval: 1m
    from: "2024-03-04"
    days: 60
    speed: 600
    skip_idle: true
broker:
  type: ib
  ib:
    port: ${twsPort}
    clientId: ${clientId}
    connectTimeoutMs: 3000
breaker:
  enabled: false
storage:
  database: ${url}
  account: ${ACCOUNT}
  ha:
    enabled: true
    ttl_ms: ${ttlMs}
    holder: ${holder}
execution_logging:
  destination: stderr
  structured: true
`;
}

interface Slot {
  readonly name: string;
  child: ChildProcess | undefined;
  stopped: boolean;
  starts: number;
  lastLines: string[];
  /** The current process said it stands by (its lease connection is open and polling). */
  standingBy: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the chaos: `faults` faults on the leader, in turn of `kinds`; returns the counts. */
export async function runFailover(o: FailoverOptions): Promise<FailoverReport> {
  const kinds = o.kinds ?? FAULT_KINDS;
  const say = o.progress ?? (() => undefined);
  const limit = o.takeoverLimitMs ?? Math.max(30_000, o.ttlMs * 10);
  const url = o.cluster.createDatabase("failover");
  // The test's own connections (lease, head, verification) take the password from PGPASSWORD, as tradeplan's do.
  Object.assign(process.env, o.cluster.env);
  const env: NodeJS.ProcessEnv = { ...o.env, ...o.cluster.env };
  const cli = (args: readonly string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((done, fail) => {
      const c = spawn(o.tradeplan.command, [...o.tradeplan.args, ...args], { cwd: o.dir, env });
      let out = "";
      let err = "";
      c.stdout.on("data", (d: Buffer) => {
        out += d;
      });
      c.stderr.on("data", (d: Buffer) => {
        err += d;
      });
      c.on("error", fail);
      c.on("close", (code) => done({ code, out, err }));
    });
  const init = await cli(["audit", "init", url]);
  if (init.code !== 0) throw new Error(`audit init failed: ${init.err}`);
  const tws: FakeTws = await startFakeTws({
    orderPlan: () => ({ kind: "fill", price: 100, commission: 1 }),
    trackPositions: true,
  });
  writeFileSync(join(o.dir, "failover.plan"), PLAN);
  const slots: Slot[] = ["A", "B"].map((name) => ({
    name,
    child: undefined,
    stopped: false,
    starts: 0,
    lastLines: [],
    standingBy: false,
  }));
  for (const [i, s] of slots.entries())
    writeFileSync(join(o.dir, `${s.name}.yaml`), config(url, tws.port, 11 + i, s.name, o.ttlMs));
  let shuttingDown = false;
  let shadowCompared = 0;
  let shadowDiverged = 0;
  const launch = (s: Slot): void => {
    s.starts++;
    const child = spawn(
      o.tradeplan.command,
      [...o.tradeplan.args, "run", "failover.plan", "--config", `${s.name}.yaml`],
      {
        cwd: o.dir,
        env,
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    s.child = child;
    s.standingBy = false;
    let tail = "";
    child.stderr?.on("data", (d: Buffer) => {
      tail = (tail + d.toString("utf8")).slice(-4000);
      if (s.child === child && tail.includes(" stands by for account ")) s.standingBy = true;
      for (const m of d
        .toString("utf8")
        .matchAll(/shadow compared (\d+) decisions with the leader's, (\d+) diverged/g)) {
        shadowCompared += Number(m[1]);
        shadowDiverged += Number(m[2]);
      }
      s.lastLines = tail.split("\n").slice(-6);
    });
    child.on("close", () => {
      if (s.child === child) s.child = undefined;
      // The supervisor: a process that exits (killed, stepped down, lost its database) is started again.
      if (!shuttingDown) setTimeout(() => !shuttingDown && !s.child && launch(s), 100);
    });
  };

  // The test's own connection, opened again after a server restart (a pg Client cannot reconnect).
  let db: PgClient | undefined;
  const query = async <T extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => {
    for (let attempt = 0; ; attempt++) {
      try {
        db ??= await connectPostgres(parsePostgresUrl(url, "failover"), "failover test");
        return (await db.query<T>(sql, params)).rows;
      } catch (e) {
        await db?.end().catch(() => undefined);
        db = undefined;
        if (attempt > 300) throw e;
        await sleep(100);
      }
    }
  };
  const lease = async () =>
    (
      await query<{ holder: string; epoch: number; live: boolean }>(
        "SELECT holder, epoch::int AS epoch, expires_at > clock_timestamp() AS live FROM tradeplan_leases WHERE account = $1",
        [ACCOUNT],
      )
    )[0];
  const headSeq = async () =>
    (await query<{ seq: number }>("SELECT seq::int AS seq FROM audit_head WHERE account = $1", [ACCOUNT]))[0]?.seq ?? 0;
  const verifyFailures: string[] = [];
  let verifications = 0;
  const verify = async (when: string) => {
    verifications++;
    let reader: PostgresJournalReader | undefined;
    try {
      reader = await PostgresJournalReader.open(url, ACCOUNT);
      const r = await reader.verify();
      if (!r.ok) verifyFailures.push(`${when}: ${JSON.stringify(r).slice(0, 400)}`);
    } catch (e) {
      verifyFailures.push(`${when}: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      await reader?.close().catch(() => undefined);
    }
  };

  const faults: Record<FaultKind, number> = { kill9: 0, sigstop: 0, pg_restart: 0, pg_terminate: 0 };
  const takeoverMs: Record<FaultKind, number[]> = { kill9: [], sigstop: [], pg_restart: [], pg_terminate: [] };
  const resumeMs: Record<FaultKind, number[]> = { kill9: [], sigstop: [], pg_restart: [], pg_terminate: [] };
  let spontaneous = 0;
  let lastEpoch = 0;
  const slotOf = (holder: string) => slots.find((s) => s.name === holder);

  try {
    for (const s of slots) launch(s);
    /** A live lease held by a running process that has committed since it took the lease, and the other one up. */
    const steady = async (): Promise<{ holder: string; epoch: number; seq: number }> => {
      const deadline = Date.now() + limit;
      let seenAt: { epoch: number; seq: number } | undefined;
      while (Date.now() < deadline) {
        const l = await lease();
        const leader = l && slotOf(l.holder);
        // The other process must be standing by already (not still starting), or the takeover would wait for its start.
        if (l?.live && leader?.child && slots.every((s) => s.child && (s === leader || s.standingBy))) {
          const seq = await headSeq();
          if (seenAt?.epoch === l.epoch && seq > seenAt.seq) return { holder: l.holder, epoch: l.epoch, seq };
          if (seenAt?.epoch !== l.epoch) seenAt = { epoch: l.epoch, seq };
        }
        await sleep(50);
      }
      throw new Error(
        `no steady leader within ${limit} ms; lease ${JSON.stringify(await lease())}; last lines: ${slots.map((s) => `${s.name}: ${s.lastLines.join(" | ")}`).join(" || ")}`,
      );
    };
    for (let i = 0; i < o.faults; i++) {
      const kind = kinds[i % kinds.length] as FaultKind;
      const before = await steady();
      // A random moment of the leader's work: between decisions, mid-commit, between a commit and its send.
      await sleep(Math.random() * o.ttlMs);
      const still = await lease();
      if (!still?.live || still.epoch !== before.epoch || !slotOf(before.holder)?.child) {
        i--;
        continue;
      }
      if (lastEpoch !== 0 && before.epoch > lastEpoch + 1) spontaneous += before.epoch - lastEpoch - 1;
      const leader = slotOf(before.holder) as Slot;
      const pid = leader.child?.pid;
      const t0 = performance.now();
      if (kind === "kill9") leader.child?.kill("SIGKILL");
      else if (kind === "sigstop") leader.child?.kill("SIGSTOP");
      else if (kind === "pg_terminate")
        await query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [
          haApplicationName(ACCOUNT, before.holder),
        ]);
      else o.cluster.restart();
      faults[kind]++;
      // The takeover: a new epoch, live.
      const deadline = Date.now() + limit;
      let took: { holder: string; epoch: number } | undefined;
      while (Date.now() < deadline) {
        const l = await lease();
        if (l && l.epoch > before.epoch && l.live) {
          took = l;
          break;
        }
        await sleep(20);
      }
      if (!took) throw new Error(`fault ${i + 1} (${kind}): no takeover within ${limit} ms`);
      takeoverMs[kind].push(performance.now() - t0);
      if (kind === "sigstop" && pid !== undefined) {
        // The frozen leader wakes after the takeover: it must find its lease gone and step down, sending nothing.
        process.kill(pid, "SIGCONT");
      }
      const seqAt = await headSeq();
      while (Date.now() < deadline && (await headSeq()) <= seqAt) await sleep(20);
      resumeMs[kind].push(performance.now() - t0);
      lastEpoch = took.epoch;
      await verify(`after fault ${i + 1} (${kind})`);
      say(
        `fault ${i + 1}/${o.faults} ${kind}: ${before.holder} -> ${took.holder} (epoch ${took.epoch}) in ${Math.round(takeoverMs[kind].at(-1) ?? 0)} ms, deciding again after ${Math.round(resumeMs[kind].at(-1) ?? 0)} ms`,
      );
    }
    await steady();
  } finally {
    shuttingDown = true;
    for (const s of slots) {
      s.child?.kill("SIGCONT");
      s.child?.kill("SIGTERM");
    }
    const t = Date.now();
    while (slots.some((s) => s.child) && Date.now() - t < 20_000) await sleep(50);
    for (const s of slots) s.child?.kill("SIGKILL");
    await tws.close();
  }
  await verify("at the end");

  // The broker's view: every orderRef once, every one with a committed intent.
  const refs = new Map<string, number>();
  for (const ord of tws.orders) if (ord.orderRef) refs.set(ord.orderRef, (refs.get(ord.orderRef) ?? 0) + 1);
  const intentKeys = new Set(
    (await query<{ key: string }>("SELECT key FROM tradeplan_order_intents WHERE account = $1", [ACCOUNT])).map(
      (r) => r.key,
    ),
  );
  const parentRef = (ref: string) => ref.replace(/:(stop_loss|take_profit)$/, "");
  const doubledOrders = [...refs.values()].filter((n) => n > 1).length;
  const unfenced = [...refs.keys()].filter((r) => !intentKeys.has(parentRef(r))).length;
  const intentsNotSent = [...intentKeys].filter((k) => !refs.has(k)).length;

  // Decisions: the chain's evaluations per (rule, bar close), against a reference run of the same bars.
  const evals = await query<{ rule: string; bar_time: number; n: number }>(
    "SELECT rule, bar_time::float8 AS bar_time, count(*)::int AS n FROM audit_records WHERE account = $1 AND kind = 'evaluation' GROUP BY rule, bar_time",
    [ACCOUNT],
  );
  await db?.end().catch(() => undefined);
  const doubledDecisions = evals.filter((e) => e.n > 1).length;
  const last = Math.max(0, ...evals.map((e) => e.bar_time));
  const reference = await referenceDecisions(o, cli, last);
  const have = new Set(evals.map((e) => `${e.rule} ${e.bar_time}`));
  const lostDecisions = reference.filter((k) => !have.has(k)).length;

  return {
    faults,
    takeoverMs,
    resumeMs,
    spontaneous,
    epochs: lastEpoch,
    ordersAtBroker: tws.orders.length,
    duplicateOrderIds: tws.duplicateIds.length,
    doubledOrders,
    unfenced,
    intents: intentKeys.size,
    intentsNotSent,
    doubledDecisions,
    lostDecisions,
    decisions: evals.length,
    verifyFailures,
    verifications,
    processStarts: slots.reduce((n, s) => n + s.starts, 0),
    shadowCompared,
    shadowDiverged,
  };
}

/**
 * The (rule, bar close) pairs a plain run of the same simulation decides, up
 * to `last`: the paper broker at speed max into SQLite, read back with
 * `audit query`. Evaluations do not depend on the broker's fills.
 */
async function referenceDecisions(
  o: FailoverOptions,
  cli: (args: readonly string[]) => Promise<{ code: number | null; out: string; err: string }>,
  last: number,
): Promise<string[]> {
  const yaml = `feed:
  type: sim
  sim:
    seed: 7
    interval: 1m
    from: "2024-03-04"
    days: 60
    speed: max
breaker:
  enabled: false
storage:
  database: reference.db
`;
  writeFileSync(join(o.dir, "reference.yaml"), yaml);
  const run = await cli(["run", "failover.plan", "--config", "reference.yaml", "--broker", "paper"]);
  if (run.code !== 0) throw new Error(`the reference run failed: ${run.err.slice(-2000)}`);
  const q = await cli([
    "audit",
    "query",
    "reference.db",
    "--kind",
    "evaluation",
    "--limit",
    "100000",
    "--format",
    "json",
  ]);
  if (q.code !== 0) throw new Error(`audit query of the reference failed: ${q.err}`);
  const rows = JSON.parse(q.out) as { rule: string; bar_time: number }[];
  if (rows.length >= 100_000) throw new Error("the reference has more evaluations than one audit query returns");
  return rows.filter((r) => r.bar_time <= last).map((r) => `${r.rule} ${r.bar_time}`);
}

/** p-th percentile (0-100) of `xs`, nearest rank. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
}
