import { parseTradeplanConfig } from "@tradeplan/live";
import { describe, expect, it } from "vitest";
import { haSettings } from "../src/commands/run-ha.js";
import { UsageError } from "../src/errors.js";

/** `tradeplan.yaml` text with the given `storage` section. */
function config(storage: string) {
  return parseTradeplanConfig(`storage:\n${storage}`, "t.yaml");
}

const PG = "postgres://trader@127.0.0.1:5432/tp";

describe("--ha and storage.ha: where the lease lives", () => {
  it("is off without --ha and storage.ha.enabled", () => {
    expect(haSettings(config("  database: x.db\n"), undefined, undefined, "t.yaml")).toBeUndefined();
  });

  it("takes the lease's database from --ha, or from storage.database with storage.ha.enabled", () => {
    const fromFlag = haSettings(config("  database: x.db\n"), PG, undefined, "t.yaml");
    expect(fromFlag).toMatchObject({ url: PG, where: "--ha", account: "default", ttlMs: 3000 });
    const fromConfig = haSettings(
      config(`  database: ${PG}\n  account: acct\n  ha:\n    enabled: true\n    ttl_ms: 1500\n    holder: b\n`),
      undefined,
      undefined,
      "t.yaml",
    );
    expect(fromConfig).toEqual({
      url: PG,
      where: "t.yaml: storage.database",
      account: "acct",
      holder: "b",
      ttlMs: 1500,
    });
  });

  it("refuses another scheme, a second database and a lease without PostgreSQL, each with one line saying what to fix", () => {
    const cases: [() => unknown, RegExp][] = [
      [
        () => haSettings(config("  database: x.db\n"), "mysql://u@h/db", undefined, "t.yaml"),
        /^--ha: must be a postgres:\/\/USER@HOST:PORT\/DB URL, got `mysql:\/\/u@h\/db`$/,
      ],
      [
        () => haSettings(config("  database: x.db\n"), PG, `${PG}2`, "t.yaml"),
        /^--ha and --audit name different databases/,
      ],
      [
        () => haSettings(config(`  database: ${PG}2\n`), PG, undefined, "t.yaml"),
        /is not t\.yaml's storage\.database .*share one database$/,
      ],
      [
        () => haSettings(config("  database: x.db\n  ha:\n    enabled: true\n"), undefined, undefined, "t.yaml"),
        /^t\.yaml: storage\.ha\.enabled needs storage\.database on PostgreSQL .*got `x\.db`$/,
      ],
    ];
    for (const [run, message] of cases) {
      let error: unknown;
      try {
        run();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain("\n");
    }
  });

  it("rejects a bad storage.ha section in tradeplan.yaml with its path", () => {
    expect(() => config("  ha:\n    ttl_ms: 10\n")).toThrow(/storage\.ha\.ttl_ms/);
    expect(() => config("  ha:\n    holder: 'a b'\n")).toThrow(/storage\.ha\.holder/);
    expect(() => config("  ha:\n    enable: true\n")).toThrow(/enable/);
  });
});
