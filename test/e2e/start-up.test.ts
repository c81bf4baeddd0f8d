/**
 * What the installed `tradeplan` loads to start: `--version` nothing but its
 * version, `check`, `fmt` and `explain` their bundle (dist/fast.cjs, which
 * holds the compiler and none of the runtime, SQLite, IBKR or the language
 * server) and no other module. Every module the process loads is recorded
 * by a preloaded hook (`NODE_OPTIONS=--import`), ES modules through
 * Node's module hooks and `require` through the CommonJS loader. Speed
 * itself is `pnpm bench cli`'s, never a test's.
 */
import { readdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { tradeplan, tradeplanBin, workdir, writeFiles } from "./harness.js";

const dir = workdir("tradeplan-e2e-start-up-");
const HOOKS = join(dir, "record-hooks.mjs");
const PRELOAD = join(dir, "record-loads.mjs");
writeFileSync(
  HOOKS,
  `import { appendFileSync } from "node:fs";
let log;
export function initialize(data) { log = data; }
export async function load(url, context, next) {
  appendFileSync(log, "import " + url + "\\n");
  return next(url, context);
}
`,
);
writeFileSync(
  PRELOAD,
  `import { appendFileSync } from "node:fs";
import Module, { register } from "node:module";
const log = process.env.TRADEPLAN_TEST_LOAD_LOG;
register(${JSON.stringify(pathToFileURL(HOOKS).href)}, { data: log });
const load = Module._load;
Module._load = function (request, ...rest) {
  appendFileSync(log, "require " + request + "\\n");
  return load.call(this, request, ...rest);
};
`,
);

/** The installed package's folder (the executable on the PATH links into it). */
function installedPackage(): string {
  return dirname(dirname(realpathSync(tradeplanBin())));
}

let runs = 0;
/** Runs the installed tradeplan with the recorder: its result, and the files it imported and the modules it required. */
async function recorded(args: readonly string[], cacheDir: string) {
  const log = join(dir, `loads-${++runs}.txt`);
  writeFileSync(log, "");
  const r = await tradeplan(args, {
    cwd: dir,
    env: {
      NODE_OPTIONS: `--import ${pathToFileURL(PRELOAD).href}`,
      TRADEPLAN_TEST_LOAD_LOG: log,
      TRADEPLAN_CACHE_DIR: cacheDir,
    },
  });
  const lines = readFileSync(log, "utf8").split("\n").filter(Boolean);
  const pkg = pathToFileURL(installedPackage()).href;
  const imported = lines
    .filter((l) => l.startsWith("import file:") && !l.includes("/record-"))
    .map((l) => l.slice("import ".length))
    .map((url) => (url.startsWith(`${pkg}/`) ? url.slice(pkg.length + 1) : url));
  const required = lines.filter((l) => l.startsWith("require ")).map((l) => l.slice("require ".length));
  const builtins = lines.filter((l) => l.startsWith("import node:")).map((l) => l.slice("import ".length));
  return { r, imported, required, builtins };
}

const isBuiltin = (m: string): boolean => m.startsWith("node:") || builtinModules.includes(m);

/** The packages the fast commands' bundle holds, from the banner scripts/bundle.mjs writes from esbuild's list of inputs. */
function bundledPackages(): string[] {
  const head = readFileSync(join(installedPackage(), "dist", "fast.cjs"), "utf8").slice(0, 2000);
  const m =
    /^\/\*! tradeplan bundle sha256=[0-9a-f]{64} of check, fmt, explain, made by .* from (.*) \(each package/.exec(
      head,
    );
  expect(m, "dist/fast.cjs starts with its banner").not.toBeNull();
  return (m?.[1] ?? "").split(", ");
}

describe("start-up of the installed tradeplan", () => {
  // Formatted as fmt would, so that every command below exits 0.
  writeFiles(dir, { "small.plan": 'plan "small"\nsymbol AAPL\n\non 5m close above 150.25 enter long\n' });

  it("--version and -V import only the version, and require nothing", async () => {
    for (const flag of ["--version", "-V"]) {
      const { r, imported, required } = await recorded([flag], join(dir, "cache-version"));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\S*\n$/);
      expect(imported).toEqual(["bin/tradeplan.mjs", "dist/version.js"]);
      expect(required.filter((m) => !isBuiltin(m))).toEqual([]);
    }
  });

  it("check, fmt and explain run from the bundle: no other module of the CLI, and no package, is loaded", async () => {
    const cacheDir = join(dir, "cache-fast");
    for (const args of [
      ["check", "small.plan"],
      ["fmt", "--check", "small.plan"],
      ["explain", "E0201"],
      ["check", "small.plan"],
    ]) {
      const { r, imported, required } = await recorded(args, cacheDir);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
      expect(imported, args.join(" ")).toEqual([
        "bin/tradeplan.mjs",
        "dist/bin.js",
        "dist/code-cache.js",
        "dist/fast-commands.js",
      ]);
      expect(
        required.filter((m) => !isBuiltin(m)),
        args.join(" "),
      ).toEqual([]);
    }
    // The first run wrote the code cache the later ones started from.
    expect(readdirSync(cacheDir).filter((f) => f.endsWith(".v8"))).toHaveLength(1);
  });

  it("the bundle holds the compiler and none of the runtime, SQLite, IBKR or the language server", () => {
    expect(bundledPackages().sort()).toEqual(
      [
        "@noble/hashes",
        "@tradeplan/cli",
        "@tradeplan/dsl",
        "commander",
        "fdir",
        "picocolors",
        "picomatch",
        "tinyglobby",
        "zod",
      ].sort(),
    );
  });

  it("backtest loads what a backtest needs: no SQLite, IB, logging, metrics, HTTP or language server", async () => {
    writeFiles(dir, {
      "bars.csv": `Date,Time,Open,High,Low,Close,Volume\n${Array.from(
        { length: 12 },
        (_, i) => `2024-03-04,09:${30 + i}:00,150,151,149.5,150.5,1000\n`,
      ).join("")}`,
    });
    const { r, imported, required, builtins } = await recorded(
      ["backtest", "small.plan", "--data", "bars.csv"],
      join(dir, "cache-backtest"),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("bars 12");
    const loaded = [...imported, ...required, ...builtins];
    // The check has to be able to see a module of core and of the live package's files entry at all.
    expect(loaded.some((m) => m.includes("/core/dist/"))).toBe(true);
    expect(loaded.some((m) => m.includes("/live/dist/files/"))).toBe(true);
    for (const unwanted of [
      "better-sqlite3",
      "@stoqey/ib",
      "pino",
      "prom-client",
      "vscode-languageserver",
      "/store/dist/",
      "/ibkr/dist/",
      "/lsp/dist/",
      "/live/dist/live/",
      "/live/dist/logging/",
      "/live/dist/metrics/",
    ])
      expect(
        loaded.filter((m) => m.includes(unwanted)),
        unwanted,
      ).toEqual([]);
    expect(loaded.filter((m) => /^(node:)?https?$/.test(m))).toEqual([]);
  });

  it("another command loads its modules, not the bundle", async () => {
    const { r, imported } = await recorded(["compile", "small.plan"], join(dir, "cache-compile"));
    expect(r.code, r.stderr).toBe(0);
    expect(imported).toContain("dist/commands/compile.js");
    expect(imported).toContain("dist/main.js");
  });
});
