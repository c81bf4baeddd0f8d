import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, tradeplan, workdir, writeFiles } from "./harness.js";

const PLAN = `plan "console"
symbol DEMO

on 1m close crosses above sma(close, 5) enter long size 10 shares
on 1m close crosses below sma(close, 5) exit long
`;

/** Runs `command` under a pseudo-terminal (util-linux `script`), 120 columns wide; returns what the terminal got. */
function underTerminal(command: string, cwd: string) {
  return tradeplan(["-qec", `stty cols 120 rows 40; ${command}`, "/dev/null"], { cwd, command: "script" });
}

describe("tradeplan run (installed) on a terminal: the operator's console", () => {
  const dir = workdir();
  copyFileSync(join(ROOT, "examples/data/demo-1m.csv"), join(dir, "bars.csv"));
  writeFiles(dir, {
    "console.plan": PLAN,
    "tradeplan.yaml": "feed:\n  type: replay\n  replay:\n    file: bars.csv\n    speed: 3000\n",
  });

  it("shows readable events in exchange-local time under a status line, and a readable summary", async () => {
    const r = await underTerminal("tradeplan run console.plan --audit tty.db --duration 4", dir);
    expect(r.code, r.stdout).toBe(0);
    const screen = r.stdout;
    // No JSON lines: a person is reading.
    expect(screen).not.toMatch(/\{"level":/);
    expect(screen).toMatch(/\d\d:\d\d:\d\d INFO {2}session ACTIVE: streaming/);
    // The status line: redrawn in place (erase line, carriage return), with the zone named.
    const ERASE = "\r\u001b[2K";
    const status = screen
      .split(ERASE)
      .filter((part) => part.startsWith("ACTIVE │ "))
      .map((part) => part.split("\r")[0]);
    expect(status.length, screen).toBeGreaterThan(0);
    expect(status[0]).toMatch(
      /^ACTIVE │ 2024-02-\d\d \d\d:\d\d(?::\d\d)? America\/New_York │ bars \d+ │ signals \d+ │ orders \d+ │ P&L [+-]?[\d,.]+ │ breaker \S+$/,
    );
    expect(screen).toMatch(/stopped: --duration 4s elapsed; trading state ACTIVE \(streaming\)/);
    expect(screen).toMatch(/account: cash [\d,.]+ · equity [\d,.]+ · P&L/);
  });

  it("--log-format json keeps JSON lines on a terminal", async () => {
    const r = await underTerminal("tradeplan run console.plan --audit json.db --duration 2 --log-format json", dir);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/\{"level":30,"time":\d+,"msg":"session ACTIVE: streaming"\}/);
    expect(r.stdout).not.toContain("\u001b[2K");
  });

  it("not on a terminal (a pipe): JSON lines on stderr and the JSON summary on stdout, as before", async () => {
    const r = await tradeplan(["run", "console.plan", "--audit", "pipe.db", "--duration", "2"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    for (const line of r.stderr.trim().split("\n")) expect(() => JSON.parse(line), line).not.toThrow();
    expect(JSON.parse(r.stdout)).toMatchObject({ stopped: "--duration 2s elapsed", state: "ACTIVE" });
  });
});
