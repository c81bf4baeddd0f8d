/**
 * Hot standby failover benchmark (`pnpm bench failover`): two `tradeplan
 * run` processes for one account (the built CLI, storage.ha on a throw-away
 * PostgreSQL cluster, trading through the loopback fake TWS) and FAULTS
 * faults on the leader, the four kinds in turn (kill -9, SIGSTOP,
 * connections terminated, PostgreSQL restarted); the driver is the chaos
 * test's (test/support/failover.ts). Prints the takeover p50/p99 per kind
 * (goal: at most TTL + one renew interval for a lost leader), the counts
 * (doubled orders, orders sent without an intent, decisions doubled or
 * lost, verifications) and the load average, for BENCHMARKS.md.
 *
 * TRADEPLAN_BENCH_FAILOVER_FAULTS (default 200) and
 * TRADEPLAN_BENCH_FAILOVER_TTL_MS (default 1500) change the run.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { FAULT_KINDS, percentile, runFailover } from "../test/support/failover.js";
import { startCluster } from "../test/support/postgres-cluster.js";
import { envNumber } from "./env.js";

const ROOT = process.cwd();
const CLI = join(ROOT, "packages", "cli", "bin", "tradeplan.mjs");

const FAULTS = envNumber("TRADEPLAN_BENCH_FAILOVER_FAULTS", 200);
const TTL_MS = envNumber("TRADEPLAN_BENCH_FAILOVER_TTL_MS", 1_500);

const la = (l: number[]) => l.map((x) => x.toFixed(1)).join(" / ");
const ms = (n: number) => (Number.isNaN(n) ? "-" : `${Math.round(n)}`);

async function main(): Promise<void> {
  const loadStart = loadavg();
  console.error("  building the CLI (scripts/build.mjs) ...");
  execFileSync(process.execPath, [join(ROOT, "scripts", "build.mjs")], { stdio: ["ignore", "ignore", "inherit"] });
  const cluster = await startCluster();
  const dir = mkdtempSync(join(tmpdir(), "tradeplan-bench-failover-"));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let report: Awaited<ReturnType<typeof runFailover>>;
  try {
    report = await runFailover({
      cluster,
      dir,
      tradeplan: { command: process.execPath, args: [CLI] },
      env: { ...process.env, NO_COLOR: "1" },
      faults: FAULTS,
      ttlMs: TTL_MS,
      progress: (line) => console.error(`  ${line}`),
    });
  } finally {
    cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const wallS = (performance.now() - t0) / 1000;
  const loadEnd = loadavg();
  const goal = TTL_MS + TTL_MS / 3;
  const out: string[] = [];
  out.push("## Hot standby failover (`pnpm bench failover`)");
  out.push("");
  out.push(
    `Two \`tradeplan run\` processes for one account (the built CLI; \`storage.ha\` with a ${TTL_MS} ms lease TTL, renewed every ${Math.floor(TTL_MS / 3)} ms) on a throw-away PostgreSQL cluster, a simulated 1-minute feed at 600x and the IBKR broker against the loopback fake TWS (which refuses a reused order id), restarted when they exit as a supervisor would; the standby decides in shadow (the paper broker, its own chain) and compares its decisions with the leader's. ${FAULTS} faults on the leader, the four kinds in turn; after each, the next fault waits until a leader commits again and the other process stands by, then a random 0 to TTL ms (so faults land between decisions, mid-commit, and between a commit and its send). Takeover: from the fault to the new epoch's lease; deciding again: to the new leader's first committed batch. The driver is the chaos test's (test/support/failover.ts); ${wallS.toFixed(0)} s wall, ${((process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1e6).toFixed(0)} s CPU in the driver. **The machine is shared** (${availableParallelism()} cores): 1 / 5 / 15-minute load average ${la(loadStart)} at the start, ${la(loadEnd)} at the end.`,
  );
  out.push("");
  out.push("| fault | count | takeover p50 ms | takeover p99 ms | deciding again p50 ms | p99 ms |");
  out.push("| --- | --- | --- | --- | --- | --- |");
  for (const k of FAULT_KINDS)
    out.push(
      `| ${k} | ${report.faults[k]} | ${ms(percentile(report.takeoverMs[k], 50))} | ${ms(percentile(report.takeoverMs[k], 99))} | ${ms(percentile(report.resumeMs[k], 50))} | ${ms(percentile(report.resumeMs[k], 99))} |`,
    );
  const lostLeader = [...report.takeoverMs.kill9, ...report.takeoverMs.sigstop, ...report.takeoverMs.pg_terminate];
  out.push("");
  out.push(
    `Goal: a takeover within TTL + one renew interval (${Math.round(goal)} ms) when the leader is lost (kill -9, SIGSTOP, connections terminated): p50 ${ms(percentile(lostLeader, 50))} ms, p99 ${ms(percentile(lostLeader, 99))} ms, **${percentile(lostLeader, 99) <= goal ? "met" : "not met"}** at p99. A PostgreSQL restart adds the restart itself and the processes' new connections.`,
  );
  out.push("");
  out.push(
    `Counts: ${report.epochs} epochs (${report.spontaneous} takeovers without a fault: a leader starved past its TTL), ${report.processStarts} process starts; orders at the broker ${report.ordersAtBroker}, **doubled ${report.doubledOrders}**, reused order ids ${report.duplicateOrderIds}, **sent without a committed intent ${report.unfenced}**; intents ${report.intents}, committed but never sent ${report.intentsNotSent} (the leader died between its commit and its send: reported IB_ORDER_LOST by the next leader, never sent twice); decisions ${report.decisions}, **doubled ${report.doubledDecisions}, lost ${report.lostDecisions}**; the journal verified ${report.verifications} times, **${report.verifyFailures.length} failures**; shadow decisions compared with the leader's ${report.shadowCompared}, **diverged ${report.shadowDiverged}**.`,
  );
  console.log(out.join("\n"));
}

await main();
