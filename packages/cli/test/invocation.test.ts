import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commandPrefix, npxCommand } from "../src/invocation.js";
import { VERSION } from "../src/version.js";
import { tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

/** An executable script at `dir/pkg/bin/tradeplan.mjs`, and a `dir/prefix/bin/tradeplan` link to it (as npm -g makes). */
function install(): { script: string; binDir: string } {
  mkdirSync(join(dir, "pkg", "bin"), { recursive: true });
  mkdirSync(join(dir, "prefix", "bin"), { recursive: true });
  const script = join(dir, "pkg", "bin", "tradeplan.mjs");
  writeFileSync(script, "#!/usr/bin/env node\n");
  chmodSync(script, 0o755);
  symlinkSync(script, join(dir, "prefix", "bin", "tradeplan"));
  return { script, binDir: join(dir, "prefix", "bin") };
}

describe("how to run tradeplan again", () => {
  it("npx: the npx command pinned to this version", () => {
    expect(npxCommand()).toBe(`npx --yes @tradeplan/cli@${VERSION}`);
    expect(commandPrefix({ npm_command: "exec", PATH: "" }, "/x/tradeplan.mjs")).toBe(npxCommand());
  });

  it("a global install whose PATH leads to this executable: `tradeplan`", () => {
    const { script, binDir } = install();
    expect(commandPrefix({ PATH: `/nowhere:${binDir}` }, script)).toBe("tradeplan");
  });

  it("a `tradeplan` on the PATH that is another program is not taken for this one: the script's own path", () => {
    const { script } = install();
    mkdirSync(join(dir, "other"));
    writeFileSync(join(dir, "other", "tradeplan"), "#!/bin/sh\n");
    chmodSync(join(dir, "other", "tradeplan"), 0o755);
    expect(commandPrefix({ PATH: join(dir, "other") }, script)).toBe(script);
  });

  it("the workspace's pnpm script: `pnpm -s tradeplan`", () => {
    expect(commandPrefix({ npm_lifecycle_event: "tradeplan", PATH: "" }, "/repo/packages/cli/bin/tradeplan.mjs")).toBe(
      "pnpm -s tradeplan",
    );
  });
});
