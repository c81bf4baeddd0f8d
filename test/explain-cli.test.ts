import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { run } from "../packages/cli/src/program.js";
import { captureIO } from "../packages/cli/test/helpers.js";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const DEMO = ["backtest", "examples/plans/demo.plan", "--data", "examples/data/demo-1m.csv"];

async function backtest(...extra: string[]) {
  const c = captureIO(ROOT);
  const code = await run([...DEMO, ...extra], c.io);
  return { code, out: c.out(), err: c.err() };
}

describe("tradeplan backtest: why it fired", () => {
  it("each signal of an expression rule carries its trace in the result JSON", async () => {
    const r = await backtest("--format", "json");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { signals: { rule: number; action: string; why?: unknown }[] };
    const entries = doc.signals.filter((s) => s.rule === 12);
    expect(entries.length).toBeGreaterThan(0);
    for (const s of entries) {
      const [main, filter] = s.why as {
        expr: string;
        result: boolean;
        comparisons: { left: number; op: string; right: number; result: boolean }[];
      }[];
      expect(main!.expr).toBe("close crosses above highest(high, 20)[1]");
      expect(main!.result).toBe(true);
      expect(main!.comparisons[0]!.left).toBeGreaterThan(main!.comparisons[0]!.right);
      expect(filter!.expr).toBe("volume > 1.2 * sma(volume, 20)");
      expect(filter!.comparisons[0]!.result).toBe(true);
    }
  });

  it("--explain prints every rule evaluated at that close, with its operands and whether it fired", async () => {
    const json = JSON.parse((await backtest("--format", "json")).out) as { signals: { time: string; rule: number }[] };
    const entry = json.signals.find((s) => s.rule === 12)!;
    const local = new Intl.DateTimeFormat("sv-SE", {
      timeZone: "America/New_York",
      dateStyle: "short",
      timeStyle: "short",
    }).format(new Date(entry.time));
    const r = await backtest("--explain", local);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`rules evaluated at the close ${local} (America/New_York):`);
    expect(r.out).toMatch(
      /line 12 cross_above on DEMO 5m: fired ENTER_LONG\n {4}close [\d,.]+ crosses above highest\(high, 20\)\[1\] [\d,.]+ ✓/,
    );
    expect(r.out).toMatch(/with volume [\d,.]+ > 1\.2 \* sma\(volume, 20\) [\d,.]+ ✓; sma\(volume, 20\) = [\d,.]+/);
    expect(r.out).toMatch(/line 13 trailing_stop on DEMO 1m: did not fire/);
  });

  it("--explain of a time that is no close, or malformed, exits 2 with one line", async () => {
    for (const bad of ["2024-02-20 03:00", "2024-02-30 10:35", "yesterday"]) {
      const r = await backtest("--explain", bad);
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
      expect(r.err.trim().split("\n")).toHaveLength(1);
      expect(r.err).toContain("--explain");
    }
  });
});
