/**
 * The installed `tradeplan` under the faults of issue 14 (items 1, 5, 6):
 * a disk that fills during `run` leaves a journal that verifies there and
 * continues after a restart on a good disk; `audit anchor` and `audit
 * verify --anchor` catch a journal rolled back to an older, validly signed
 * copy; `backtest` reads a CSV that ends mid-row or holds a line past
 * 64 KiB as bad rows (file:line, counted per reason), not as a failure.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, tradeplan, workdir, writeFiles } from "./harness.js";

const PLAN = `plan "faults"
symbol DEMO

on 1m close crosses above sma(close, 5) enter long size 10 shares
on 1m close crosses below sma(close, 5) exit long
`;

const CONFIG = "feed:\n  type: replay\n  replay:\n    file: bars.csv\n    speed: max\nbreaker:\n  enabled: false\n";

/** The record count `audit verify` printed. */
function records(verifyOutput: string): number {
  return Number(/(\d+) records/.exec(verifyOutput)?.[1] ?? -1);
}

describe("tradeplan run (installed): the disk fills up under the journal", () => {
  const dir = workdir();
  copyFileSync(join(ROOT, "examples/data/demo-1m.csv"), join(dir, "bars.csv"));
  writeFiles(dir, { "run.plan": PLAN, "tradeplan.yaml": CONFIG });
  const small = join(dir, "small");
  mkdirSync(small);
  let mounted = false;
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", small], { stdio: "pipe" });
    mounted = true;
  } catch (e) {
    process.stderr.write(`skipping the disk-full test: cannot mount a tmpfs (${String(e).split("\n")[0]})\n`);
  }
  afterAll(() => {
    if (mounted) execFileSync("umount", [small]);
  });

  it.skipIf(!mounted)(
    "halts with the disk full, the journal verifies there, and a restart on a good disk continues the chain",
    async () => {
      // Half the file system is taken by something else; the run's own journal and state fill the rest.
      const filler = join(small, "filler");
      writeFileSync(filler, Buffer.alloc(1024 * 1024));
      const full = await tradeplan(["run", "run.plan", "--audit", "small/run.db"], { cwd: dir });
      expect(full.code, full.stderr).not.toBe(0);
      expect(full.stderr).toMatch(/disk (is )?full/i);
      expect(full.stderr).toContain(join(small, "run.db"));
      expect(full.stderr).toContain("HALTED");
      // The operator frees space: the journal verifies where it is.
      rmSync(filler);
      const there = await tradeplan(["audit", "verify", "small/run.db"], { cwd: dir });
      expect(there.code, there.stdout + there.stderr).toBe(0);
      expect(there.stdout).toMatch(/: OK, \d+ records/);
      // A restart on a good disk (the files moved there): it continues the chain, which still verifies.
      const good = join(dir, "good");
      mkdirSync(good);
      for (const suffix of ["", "-wal", "-shm"])
        if (existsSync(join(small, `run.db${suffix}`)))
          copyFileSync(join(small, `run.db${suffix}`), join(good, `run.db${suffix}`));
      const again = await tradeplan(["run", "run.plan", "--audit", "good/run.db"], { cwd: dir });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain("restoring saved state");
      const after = await tradeplan(["audit", "verify", "good/run.db"], { cwd: dir });
      expect(after.code, after.stdout).toBe(0);
      expect(records(after.stdout)).toBeGreaterThan(records(there.stdout));
    },
  );
});

describe("tradeplan audit (installed): an external anchor catches a rollback", () => {
  const dir = workdir();
  copyFileSync(join(ROOT, "examples/data/demo-1m.csv"), join(dir, "bars.csv"));
  writeFiles(dir, { "run.plan": PLAN, "tradeplan.yaml": CONFIG });
  const env = { TRADEPLAN_AUDIT_KEY: "e2e-anchor-key-0123456789abcdef" };

  it("a signed journal put back to an older copy verifies with the key alone, and fails (exit 1) against the anchor", async () => {
    // The first run writes a signed journal; a copy of it is the "backup" put back later.
    const first = await tradeplan(["run", "run.plan", "--audit", "run.db", "--duration", "1"], { cwd: dir, env });
    expect(first.code, first.stderr).toBe(0);
    copyFileSync(join(dir, "run.db"), join(dir, "old.db"));
    // More is recorded (a second run restores and continues), then the head is anchored elsewhere.
    const second = await tradeplan(["run", "run.plan", "--audit", "run.db"], { cwd: dir, env });
    expect(second.code, second.stderr).toBe(0);
    const anchored = await tradeplan(["audit", "anchor", "run.db", "--hmac-key-env", "TRADEPLAN_AUDIT_KEY"], {
      cwd: dir,
      env,
    });
    expect(anchored.code, anchored.stderr).toBe(0);
    expect(JSON.parse(anchored.stdout)).toMatchObject({ format: "tradeplan/audit-anchor", version: 1 });
    writeFileSync(join(dir, "anchor.json"), anchored.stdout);
    const verify = ["audit", "verify", "run.db", "--hmac-key-env", "TRADEPLAN_AUDIT_KEY"];
    expect((await tradeplan([...verify, "--anchor", "anchor.json"], { cwd: dir, env })).code).toBe(0);
    // The rollback: every signature in the old copy is valid.
    copyFileSync(join(dir, "old.db"), join(dir, "run.db"));
    for (const suffix of ["-wal", "-shm"]) rmSync(join(dir, `run.db${suffix}`), { force: true });
    const keyOnly = await tradeplan(verify, { cwd: dir, env });
    expect(keyOnly.code, keyOnly.stdout).toBe(0);
    const rolled = await tradeplan([...verify, "--anchor", "anchor.json"], { cwd: dir, env });
    expect(rolled.code).toBe(1);
    expect(rolled.stdout).toContain("TAMPERED");
    expect(rolled.stdout).toMatch(/AUDIT_ROLLED_BACK at seq \d+: the journal ends at seq \d+, but the anchor taken/);
  });
});

describe("tradeplan backtest (installed): a CSV that ends mid-row or holds a line past 64 KiB", () => {
  const dir = workdir();

  it("both are bad rows with file:line, counted per reason in every format; the run goes on (exit 0)", async () => {
    const rows = readFileSync(join(ROOT, "examples/data/demo-1m.csv"), "utf8").trimEnd().split("\n").slice(0, 400);
    rows.splice(100, 0, `2024-02-20,11:09:30,${"7".repeat(70_000)}`);
    // The file ends in the middle of its last row, without a newline.
    writeFiles(dir, { "bars.csv": `${rows.join("\n")}\n2024-02-21,10:00:00,100.5`, "p.plan": PLAN });
    const json = await tradeplan(["backtest", "p.plan", "--data", "bars.csv", "--format", "json"], { cwd: dir });
    expect(json.code, json.stderr).toBe(0);
    expect(json.stderr).toContain("bars.csv:101: the line is longer than 65536 bytes");
    expect(json.stderr).toContain("bars.csv:402: expected 7 fields, got 3");
    const result = JSON.parse(json.stdout);
    expect(result).toMatchObject({
      bars: 399,
      rejected: 2,
      rejectedByReason: { CSV_FIELD_COUNT: 1, CSV_LINE_TOO_LONG: 1 },
    });
    const pretty = await tradeplan(["backtest", "p.plan", "--data", "bars.csv", "--report", "r.html"], { cwd: dir });
    expect(pretty.code, pretty.stderr).toBe(0);
    expect(pretty.stdout).toContain("rows rejected by reason: CSV_FIELD_COUNT 1, CSV_LINE_TOO_LONG 1");
    expect(readFileSync(join(dir, "r.html"), "utf8")).toContain("2 (CSV_FIELD_COUNT 1, CSV_LINE_TOO_LONG 1)");
  });
});
