import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { codeCacheDir, runBundle } from "../src/code-cache.js";

const root = mkdtempSync(join(tmpdir(), "tradeplan-code-cache-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const SOURCE = fileURLToPath(new URL("../src/code-cache.ts", import.meta.url));

/** A bundle as scripts/bundle.mjs writes one: the banner with the code's hash, then CommonJS whose main prints `says`. */
function writeBundle(name: string, says: string): string {
  const code = `"use strict";exports.main=async()=>{process.stdout.write(${JSON.stringify(says)})};\n`;
  const hash = createHash("sha256").update(code).digest("hex");
  const file = join(root, name);
  writeFileSync(file, `/*! tradeplan bundle sha256=${hash} of test */\n${code}`);
  return file;
}

/**
 * `runBundle` in a fresh process, as the CLI runs it (within one process V8 reuses what it compiled and never
 * looks at the cache again): what the bundle printed, then the outcome.
 */
function runFresh(bundle: string, dir: string | undefined): string {
  const call = `import(${JSON.stringify(pathToFileURL(SOURCE).href)}).then((m) => m.runBundle(${JSON.stringify(bundle)}, ${JSON.stringify(dir)})).then((o) => process.stdout.write(" " + o))`;
  return execFileSync(process.execPath, ["--import", "tsx", "-e", call], { encoding: "utf8" });
}

let n = 0;
let cacheDir = "";
beforeEach(() => {
  cacheDir = join(root, `cache-${++n}`);
});

describe("runBundle", () => {
  it("runs the bundle's main, writes the cache on the first run and uses it on the next", () => {
    const bundle = writeBundle("a.cjs", "a");
    expect(runFresh(bundle, cacheDir)).toBe("a written");
    expect(runFresh(bundle, cacheDir)).toBe("a hit");
    expect(readdirSync(cacheDir)).toHaveLength(1);
  });

  it("gives a changed bundle its own cache (the name carries the code's hash)", () => {
    expect(runFresh(writeBundle("b.cjs", "b1"), cacheDir)).toBe("b1 written");
    // Same length, other code: V8 alone would take the old cache for it.
    const second = writeBundle("b.cjs", "b2");
    expect(runFresh(second, cacheDir)).toBe("b2 written");
    expect(runFresh(second, cacheDir)).toBe("b2 hit");
  });

  it("replaces a corrupt cache file", () => {
    const bundle = writeBundle("c.cjs", "c");
    expect(runFresh(bundle, cacheDir)).toBe("c written");
    const [file] = readdirSync(cacheDir);
    writeFileSync(join(cacheDir, file as string), Buffer.from("not a V8 code cache"), { mode: 0o600 });
    expect(runFresh(bundle, cacheDir)).toBe("c written");
    expect(runFresh(bundle, cacheDir)).toBe("c hit");
  });

  it.skipIf(process.platform === "win32")("neither reads nor writes a cache folder others may write to", () => {
    const bundle = writeBundle("d.cjs", "d");
    mkdirSync(cacheDir, { mode: 0o700 });
    chmodSync(cacheDir, 0o777);
    expect(runFresh(bundle, cacheDir)).toBe("d untrusted");
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  it("runs without a cache when there is no folder, the folder cannot be made, or the bundle has no banner", () => {
    const bundle = writeBundle("e.cjs", "e");
    expect(runFresh(bundle, undefined)).toBe("e off");
    const aFile = join(root, "a-file");
    writeFileSync(aFile, "");
    expect(runFresh(bundle, join(aFile, "cache"))).toBe("e off");
    const bare = join(root, "bare.cjs");
    writeFileSync(bare, '"use strict";exports.main=async()=>{process.stdout.write("bare")};');
    expect(runFresh(bare, cacheDir)).toBe("bare off");
  });

  it("fails when the bundle has no main", async () => {
    const file = join(root, "no-main.cjs");
    writeFileSync(file, '"use strict";exports.other=1;');
    await expect(runBundle(file, cacheDir)).rejects.toThrow(/exports no main/);
  });
});

describe("codeCacheDir", () => {
  it("is TRADEPLAN_CACHE_DIR when set, none when it is empty", () => {
    expect(codeCacheDir({ TRADEPLAN_CACHE_DIR: "/c" }, "/home/u", "linux")).toBe("/c");
    expect(codeCacheDir({ TRADEPLAN_CACHE_DIR: "" }, "/home/u", "linux")).toBeUndefined();
  });

  it("is the user's cache folder otherwise", () => {
    expect(codeCacheDir({}, "/home/u", "linux")).toBe(join("/home/u", ".cache", "tradeplan"));
    expect(codeCacheDir({ XDG_CACHE_HOME: "/x" }, "/home/u", "darwin")).toBe(join("/x", "tradeplan"));
    expect(codeCacheDir({ LOCALAPPDATA: "C:\\L" }, "C:\\Users\\u", "win32")).toBe(join("C:\\L", "tradeplan", "cache"));
    expect(codeCacheDir({}, "", "linux")).toBeUndefined();
  });
});
