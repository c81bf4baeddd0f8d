import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import pkg from "../package.json" with { type: "json" };

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const LAUNCHER = fileURLToPath(new URL("../bin/tradeplan.mjs", import.meta.url));

async function spawnExit(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(cmd, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === "number" ? x.code : -1, stdout: x.stdout ?? "", stderr: x.stderr ?? "" };
  }
}

describe("the real process", () => {
  it("the bin launcher runs the TypeScript entry through tsx", async () => {
    const r = await spawnExit(process.execPath, [LAUNCHER, "--version"]);
    expect(r).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it("`pnpm -s tradeplan check` exits with the command's code", async () => {
    const ok = await spawnExit("pnpm", ["-s", "tradeplan", "check", "examples/plans/breakout.plan"]);
    expect(ok).toMatchObject({ code: 0, stdout: "ok: 1 file checked\n" });
    const missing = await spawnExit("pnpm", ["-s", "tradeplan", "check", "no/such.plan"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("no/such.plan");
  });
});
