import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLEAN_PLAN, cli, ERROR_PLAN, tempDir, WARNING_PLAN } from "./helpers.js";

let dir: string;
let cleanup: () => void;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  mkdirSync(join(dir, "plans/nested"), { recursive: true });
  mkdirSync(join(dir, "plans/node_modules"), { recursive: true });
  writeFileSync(join(dir, "plans/clean.plan"), CLEAN_PLAN);
  writeFileSync(join(dir, "plans/nested/also-clean.plan"), CLEAN_PLAN);
  writeFileSync(join(dir, "plans/node_modules/broken.plan"), ERROR_PLAN);
  writeFileSync(join(dir, "plans/notes.txt"), "not a plan");
  writeFileSync(join(dir, "error.plan"), ERROR_PLAN);
  writeFileSync(join(dir, "warning.plan"), WARNING_PLAN);
});
afterEach(() => cleanup());

describe("check: exit codes", () => {
  it("exits 0 on clean plans and says how many were checked", async () => {
    const r = await cli(["check", "plans/clean.plan"], dir);
    expect(r).toEqual({ code: 0, out: "ok: 1 file checked\n", err: "" });
  });

  it("exits 1 on an error and prints it rustc-style with a summary", async () => {
    const r = await cli(["check", "error.plan"], dir);
    expect(r.code).toBe(1);
    expect(r.out).toContain("error[E0201]: unknown name `brekout`\n --> error.plan:6:19\n");
    expect(r.out).toContain("6 | on 5m close above brekout enter long\n");
    expect(r.out).toContain("= help: did you mean `breakout`?");
    expect(r.out.endsWith("error: 1 error in 1 file\n")).toBe(true);
  });

  it("exits 0 on warnings, and 1 with --warnings-as-errors", async () => {
    const plain = await cli(["check", "warning.plan"], dir);
    expect(plain.code).toBe(0);
    expect(plain.out).toContain("warning[W0601]");
    expect(plain.out.endsWith("warning: 1 warning in 1 file\n")).toBe(true);
    const strict = await cli(["check", "--warnings-as-errors", "warning.plan"], dir);
    expect(strict.code).toBe(1);
    expect(strict.out.endsWith("error: 1 warning in 1 file\n")).toBe(true);
  });

  it("exits 2 for a missing file, naming it", async () => {
    const r = await cli(["check", "nope.plan"], dir);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toBe("error: `nope.plan`: no such file or directory\n");
  });

  it("exits 2 for a directory without plans and for a glob matching nothing", async () => {
    mkdirSync(join(dir, "empty"));
    const empty = await cli(["check", "empty"], dir);
    expect(empty.code).toBe(2);
    expect(empty.err).toContain("no .plan files in directory `empty`");
    const glob = await cli(["check", "nothing/**/*.plan"], dir);
    expect(glob.code).toBe(2);
    expect(glob.err).toContain("no files match `nothing/**/*.plan`");
  });

  it("exits 2 for an unreadable file and an unreadable directory, saying why", async () => {
    const denied = Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
    const file = await cli(["check", "error.plan"], dir, { fs: { readFile: () => Promise.reject(denied) } });
    expect(file.code).toBe(2);
    expect(file.err).toBe("error: cannot read `error.plan`: permission denied\n");
    const folder = await cli(["check", "plans"], dir, { fs: { readDir: () => Promise.reject(denied) } });
    expect(folder.code).toBe(2);
    expect(folder.err).toBe("error: cannot read directory `plans`: permission denied\n");
  });

  it("exits 2 for usage errors: no paths, a bad format, a bad --symbol", async () => {
    expect((await cli(["check"], dir)).code).toBe(2);
    const fmt = await cli(["check", "--format", "xml", "error.plan"], dir);
    expect(fmt.code).toBe(2);
    expect(fmt.err).toContain("Allowed choices are pretty, json, github, sarif");
    const sym = await cli(["check", "--symbol", "  ", "error.plan"], dir);
    expect(sym).toMatchObject({ code: 2, err: "error: invalid --symbol: must not be empty\n" });
    expect((await cli(["check", "--symbol", "A B", "error.plan"], dir)).err).toContain("invalid --symbol");
  });
});

describe("check: inputs", () => {
  it("searches directories recursively for *.plan, skipping node_modules", async () => {
    const r = await cli(["check", "--format", "json", "plans"], dir);
    expect(r.code).toBe(0);
    const files = (JSON.parse(r.out) as { files: { file: string }[] }).files.map((f) => f.file);
    expect(files).toEqual(["plans/clean.plan", "plans/nested/also-clean.plan"]);
  });

  it("expands globs, and checks each file once", async () => {
    const r = await cli(["check", "--format", "json", "*.plan", "error.plan", "plans/**/*.plan"], dir);
    const files = (JSON.parse(r.out) as { files: { file: string }[] }).files.map((f) => f.file);
    expect(files).toEqual(["error.plan", "warning.plan", "plans/clean.plan", "plans/nested/also-clean.plan"]);
    expect(r.code).toBe(1);
  });

  it("uses --symbol for a bare rule list", async () => {
    writeFileSync(join(dir, "bare.plan"), "on 5m close above 150 enter long\n");
    const without = await cli(["check", "bare.plan"], dir);
    expect(without.code).toBe(1);
    expect(without.out).toContain("E0501");
    expect(await cli(["check", "--symbol", "AAPL", "bare.plan"], dir)).toMatchObject({ code: 0 });
  });

  it("checks an empty file without crashing", async () => {
    writeFileSync(join(dir, "empty.plan"), "");
    const r = await cli(["check", "--format", "json", "empty.plan"], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).files).toEqual([{ file: "empty.plan", diagnostics: [] }]);
  });

  it("reports binary garbage and invalid UTF-8 as diagnostics, not a crash", async () => {
    writeFileSync(
      join(dir, "binary.plan"),
      Buffer.from([0, 1, 2, 0xff, 0xfe, 0x1b, 0x5b, 0x32, 0x4a, 0x0a, 0x80, 0xc3]),
    );
    const r = await cli(["check", "binary.plan"], dir);
    expect(r.code).toBe(1);
    expect(r.out).toContain("error[E0001]");
    expect(r.out).not.toContain("\u001b");
    expect(r.err).toBe("");
  });

  it("handles 1 MB of random bytes: capped diagnostics, exit 1", async () => {
    let seed = 42;
    const bytes = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < bytes.length; i++) {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      bytes[i] = seed >>> 24;
    }
    writeFileSync(join(dir, "garbage.plan"), bytes);
    const r = await cli(["check", "--format", "json", "garbage.plan"], dir);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out) as { files: { diagnostics: { code: string }[] }[]; errorCount: number };
    const codes = doc.files[0]?.diagnostics.map((d) => d.code) ?? [];
    expect(codes.length).toBeGreaterThan(0);
    expect(codes.length).toBeLessThanOrEqual(201);
    expect(doc.errorCount).toBe(codes.length);
  });
});

describe("check: formats and color", () => {
  it("json keeps stdout machine-readable", async () => {
    const r = await cli(["check", "--format", "json", "error.plan", "plans/clean.plan"], dir);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out);
    expect(doc.errorCount).toBe(1);
    expect(doc.files[1].diagnostics).toEqual([]);
  });

  it("github prints workflow commands and the summary on stderr", async () => {
    const r = await cli(["check", "--format", "github", "error.plan"], dir);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(
      /^::error file=error\.plan,line=6,col=19,endLine=6,endColumn=26,title=E0201::unknown name `brekout`/,
    );
    expect(r.err).toBe("error: 1 error in 1 file\n");
  });

  it("sarif is valid JSON with the results", async () => {
    const r = await cli(["check", "--format", "sarif", "error.plan"], dir, {
      env: { TRADEPLAN_DOCS_URL: "https://example.com/d.md" },
    });
    const doc = JSON.parse(r.out);
    expect(doc.version).toBe("2.1.0");
    expect(doc.runs[0].results[0].ruleId).toBe("E0201");
    expect(doc.runs[0].tool.driver.rules[0].helpUri).toBe("https://example.com/d.md#e0001");
  });

  it("colors on a terminal only, and never with --no-color or NO_COLOR", async () => {
    const esc = "\u001b[";
    expect((await cli(["check", "error.plan"], dir, { isTTY: true })).out).toContain(esc);
    expect((await cli(["check", "error.plan"], dir, { isTTY: false })).out).not.toContain(esc);
    expect((await cli(["check", "--no-color", "error.plan"], dir, { isTTY: true })).out).not.toContain(esc);
    expect((await cli(["check", "error.plan"], dir, { isTTY: true, env: { NO_COLOR: "1" } })).out).not.toContain(esc);
  });
});
