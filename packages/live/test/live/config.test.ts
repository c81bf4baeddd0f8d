import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ConfigError, loadTradeplanConfig, parseTradeplanConfig } from "../../src/config/index.js";

const EXAMPLE = fileURLToPath(new URL("../../../../examples/tradeplan.yaml", import.meta.url));

function issues(text: string): { code: string; issues: ConfigError["issues"]; message: string } {
  try {
    parseTradeplanConfig(text, "cfg.yaml");
  } catch (e) {
    if (e instanceof ConfigError) return { code: e.code, issues: e.issues, message: e.message };
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("tradeplan.yaml", () => {
  it("the documented example is valid and sets what it says", async () => {
    const c = await loadTradeplanConfig(EXAMPLE);
    expect(c.bar_close_detection.grace_ms).toBe(2000);
    expect(c.broker.ib.port).toBe(7497);
    expect(c.risk.maxOrdersPerMinute).toBe(10);
    expect(c.feed.sim.speed).toBe(60);
    expect(c.breaker.mode).toBe("HALTED");
    expect(c.metrics.host).toBe("127.0.0.1");
    expect(c.execution_functions.close_above?.max_instances).toBe(100);
  });

  it("the example documents every key of every section", () => {
    const text = readFileSync(EXAMPLE, "utf8");
    for (const key of [
      "execution_functions",
      "bar_close_detection",
      "execution_logging",
      "broker",
      "risk",
      "storage",
      "feed",
      "breaker",
      "metrics",
      "engine",
      "bar_validation",
      "hmac_key_env",
      "no_data_timeout_ms",
      "max_rejected_bars",
      "clientId",
      "connectTimeoutMs",
      "retention_days",
      "speed",
      "timestamps",
    ])
      expect(text, key).toContain(`${key}:`);
  });

  it("an empty file is all defaults", () => {
    const c = parseTradeplanConfig("");
    expect(c.broker.type).toBe("paper");
    expect(c.feed.type).toBe("sim");
    expect(c.storage.database).toBe("tradeplan.db");
    expect(c.metrics.enabled).toBe(false);
  });

  it("live defaults: 2 s of grace for late bars even in a section that sets other keys; no fixed no-data timeout", () => {
    expect(parseTradeplanConfig("").bar_close_detection.grace_ms).toBe(2000);
    expect(parseTradeplanConfig("bar_close_detection:\n  accuracy_ms: 500\n").bar_close_detection).toMatchObject({
      grace_ms: 2000,
      accuracy_ms: 500,
    });
    expect(parseTradeplanConfig("bar_close_detection:\n  grace_ms: 0\n").bar_close_detection.grace_ms).toBe(0);
    expect(parseTradeplanConfig("").breaker.no_data_timeout_ms).toBeUndefined();
    expect(parseTradeplanConfig("breaker:\n  no_data_timeout_ms: 90000\n").breaker.no_data_timeout_ms).toBe(90_000);
  });

  it("speed is a number or max", () => {
    const c = parseTradeplanConfig("feed:\n  sim:\n    speed: max\n  replay:\n    file: a.csv\n    speed: 250\n");
    expect(c.feed.sim.speed).toBe("max");
    expect(c.feed.replay?.speed).toBe(250);
    const r = issues("feed:\n  sim:\n    speed: fastest\n");
    expect(r.issues[0]).toMatchObject({ path: "feed.sim.speed", line: 3 });
    expect(issues("feed:\n  sim:\n    speed: 0\n").message).toContain("or max");
  });

  it("bad YAML reports its line and column", () => {
    const r = issues("broker:\n  type: paper\n  paper: [1, 2\n");
    expect(r.code).toBe("CONFIG_YAML");
    expect(r.issues[0]?.line).toBeGreaterThanOrEqual(3);
    expect(r.message).toMatch(/^CONFIG_YAML: cfg\.yaml:\d+:\d+: /);
  });

  it("a duplicate key is a YAML error on its line", () => {
    const r = issues("metrics:\n  port: 1\n  port: 2\n");
    expect(r.code).toBe("CONFIG_YAML");
    expect(r.issues[0]?.line).toBe(3);
  });

  it("an unknown key is reported at the key, with its full path", () => {
    const r = issues("broker:\n  type: paper\n  paper:\n    initalCash: 5\n");
    expect(r.code).toBe("CONFIG_INVALID");
    expect(r.issues).toEqual([expect.objectContaining({ path: "broker.paper.initalCash", line: 4, column: 5 })]);
    expect(r.message).toContain("cfg.yaml:4:5: broker.paper.initalCash: unknown key");
  });

  it("an unknown section is reported at its line", () => {
    const r = issues("metrics:\n  port: 1\nbrokr:\n  type: paper\n");
    expect(r.issues).toEqual([expect.objectContaining({ path: "brokr", line: 3, column: 1 })]);
  });

  it("a wrong type is reported at the value", () => {
    const r = issues("feed:\n  sim:\n    seed: forty-two\n");
    expect(r.issues).toEqual([expect.objectContaining({ path: "feed.sim.seed", line: 3, column: 11 })]);
    expect(r.message).toContain("expected number");
  });

  it("several problems are all listed, in line order", () => {
    const r = issues("metrics:\n  host: 0.0.0.0\n  port: 99999\n");
    expect(r.issues.map((i) => [i.path, i.line])).toEqual([
      ["metrics.host", 2],
      ["metrics.port", 3],
    ]);
    expect(r.message).toContain("loopback");
  });

  it("a replay feed needs its file", () => {
    const r = issues("feed:\n  type: replay\n");
    expect(r.issues[0]).toMatchObject({ path: "feed.type", line: 2 });
  });

  it("a missing file is CONFIG_IO", async () => {
    await expect(loadTradeplanConfig("/nonexistent/tradeplan.yaml")).rejects.toMatchObject({ code: "CONFIG_IO" });
  });
});
