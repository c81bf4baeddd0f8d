import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { postgresBinDir, postgresMissing, startCluster, usePostgres } from "./support/postgres.js";

const missing = postgresMissing();
if (missing) console.warn(`PostgreSQL tests skipped: ${missing}`);

describe.skipIf(missing)("the throw-away PostgreSQL cluster the tests start", () => {
  const pg = usePostgres();

  it("serves a fresh database per call, on loopback, its sockets in the cluster's folder", () => {
    const a = pg().createDatabase("harness");
    const b = pg().createDatabase("harness");
    expect(a).not.toBe(b);
    expect(a).toMatch(/^postgres:\/\/tradeplan@127\.0\.0\.1:\d+\/harness_/);
    expect(
      pg().psql(a.split("/").at(-1)!, "SELECT current_database() <> '' AND inet_server_addr() = '127.0.0.1'").trim(),
    ).toBe("t");
    expect(existsSync(join(pg().dir, `.s.PGSQL.${pg().port}`))).toBe(true);
  });

  it("needs the password over TCP, which travels in PGPASSWORD, not in the URL", () => {
    const psql = join(postgresBinDir()!, "psql");
    const env = { ...process.env, PGPASSWORD: "", PGPASSFILE: "/nonexistent" };
    const without = spawnSync(psql, ["-X", "-w", "-d", pg().url(), "-c", "SELECT 1"], { encoding: "utf8", env });
    expect(without.status).not.toBe(0);
    expect(without.stderr).toMatch(/password/);
    const withEnv = spawnSync(psql, ["-X", "-w", "-At", "-d", pg().url(), "-c", "SELECT 1"], {
      encoding: "utf8",
      env: { ...env, ...pg().env },
    });
    expect(withEnv.stdout.trim()).toBe("1");
  });

  it("stops the server and removes its folder", async () => {
    const c = await startCluster();
    expect(c.psql("postgres", "SELECT 1").trim()).toBe("1");
    c.stop();
    expect(existsSync(c.dir)).toBe(false);
    expect(() => c.psql("postgres", "SELECT 1")).toThrow(/psql failed/);
    c.stop();
  });
});
