import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { startFakeTws } from "../../../../test/fake-tws/index.js";
import { IbConnection } from "../../src/ib/index.js";
import { FAST } from "./helpers.js";

// A file of its own: @stoqey/ib loads its configuration (and runs dotenv) once per process, so this must be
// the first connection the process makes.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it("a connection never makes @stoqey/ib read a .env file of the current folder into the environment", async () => {
  const tws = await startFakeTws();
  cleanups.push(() => tws.close());
  const dir = mkdtempSync(join(tmpdir(), "tradeplan-dotenv-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, ".env"), "TRADEPLAN_DOTENV_PROBE=read\n");
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const c = new IbConnection({ port: tws.port, clientId: 3, ...FAST });
    cleanups.push(() => c.close());
    await c.connect();
  } finally {
    process.chdir(cwd);
  }
  expect(process.env.TRADEPLAN_DOTENV_PROBE).toBeUndefined();
});
