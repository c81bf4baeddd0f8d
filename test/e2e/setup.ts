/**
 * Global set-up of the end-to-end suite: packs the publishable packages
 * (`scripts/pack.mjs`: a clean `tsc -b` build, then `pnpm pack` each) and
 * installs the tarballs into a private npm prefix with `npm install -g`, as a
 * user would. Every e2e test drives that installed `tradeplan` binary as a
 * subprocess. The install (which compiles better-sqlite3, about a minute) is
 * done once per run and kept, keyed by the tarballs' contents, under
 * node_modules/.cache/tradeplan-e2e/, so a rerun with unchanged packages
 * reuses it. Concurrent runs (several engineers on one machine) take turns
 * through a lock and never remove an install another run may be using.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

declare module "vitest" {
  export interface ProvidedContext {
    /** The installed `tradeplan` executable. */
    tradeplanBin: string;
    /** The folder of the installed executables (for PATH). */
    tradeplanBinDir: string;
    /** The packed tarballs, as installed. */
    tarballs: string[];
  }
}

function log(message: string): void {
  process.stderr.write(`[e2e setup] ${message}\n`);
}

const CACHE = join(ROOT, "node_modules", ".cache", "tradeplan-e2e");
/** Installs older than this are removed (others may still be in use by a concurrent run). */
const KEEP_MS = 6 * 3_600_000;
/** A lock older than this was left by a killed run. */
const STALE_LOCK_MS = 15 * 60_000;

/** Holds a lock (an atomic mkdir) so that concurrent runs pack and install one at a time. */
function lock(): () => void {
  const dir = join(CACHE, ".lock");
  mkdirSync(CACHE, { recursive: true });
  for (;;) {
    try {
      mkdirSync(dir);
      return () => rmSync(dir, { recursive: true, force: true });
    } catch (e) {
      if ((e as { code?: string }).code !== "EEXIST") throw e;
      try {
        if (Date.now() - statSync(dir).mtimeMs > STALE_LOCK_MS) rmSync(dir, { recursive: true, force: true });
      } catch {
        // released meanwhile
      }
      execFileSync("sleep", ["1"]);
    }
  }
}

/** Removes installs nobody has used for a while. */
function prune(keep: string): void {
  for (const name of readdirSync(CACHE)) {
    const path = join(CACHE, name);
    if (path === keep || name.startsWith(".")) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > KEEP_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // removed by another run
    }
  }
}

export default function setup(project: TestProject): () => void {
  const release = lock();
  try {
    return prepare(project);
  } finally {
    release();
  }
}

function prepare(project: TestProject): () => void {
  const packDir = mkdtempSync(join(tmpdir(), "tradeplan-packed-"));
  const started = Date.now();
  const listed = execFileSync(process.execPath, [join(ROOT, "scripts", "pack.mjs"), packDir], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const tarballs = listed.split("\n").filter((l) => l.endsWith(".tgz"));
  if (tarballs.length === 0) throw new Error("scripts/pack.mjs packed nothing");
  log(`packed ${tarballs.length} tarballs in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const hash = createHash("sha256");
  for (const t of tarballs) hash.update(readFileSync(t));
  hash.update(process.version);
  const prefix = join(CACHE, hash.digest("hex").slice(0, 16));
  const done = join(prefix, ".installed");
  prune(prefix);
  if (!existsSync(done)) {
    rmSync(prefix, { recursive: true, force: true });
    mkdirSync(prefix, { recursive: true });
    const t0 = Date.now();
    log(`npm install -g --prefix ${prefix} (compiles better-sqlite3: about a minute) ...`);
    execFileSync("npm", ["install", "-g", "--prefix", prefix, "--no-audit", "--no-fund", ...tarballs], {
      cwd: packDir,
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, npm_config_loglevel: "warn", npm_config_update_notifier: "false" },
    });
    writeFileSync(done, `${new Date().toISOString()}\n`);
    log(`installed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } else {
    log(`reusing the install in ${prefix}`);
    utimesSync(prefix, new Date(), new Date());
  }

  const binDir = join(prefix, "bin");
  project.provide("tradeplanBin", join(binDir, "tradeplan"));
  project.provide("tradeplanBinDir", binDir);
  project.provide("tarballs", tarballs);
  return () => rmSync(packDir, { recursive: true, force: true });
}
