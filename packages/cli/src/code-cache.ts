import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { constants, Script } from "node:vm";

/**
 * What became of the V8 code cache in one run of a bundle: `hit` (the cache
 * was used), `written` (none was there, or it did not match, and the run
 * wrote a new one), `rejected` (V8 refused the cache and a new one could not
 * be written), `unwritable` (none was there and none could be written),
 * `untrusted` (the cache folder or file belongs to someone else or others may
 * write to it: not read, not written), `off` (no cache folder).
 */
export type CodeCacheOutcome = "hit" | "written" | "rejected" | "unwritable" | "untrusted" | "off";

/** The first line of a bundle scripts/bundle.mjs wrote, which names the SHA-256 of the code after it. */
const BANNER = /^\/\*! tradeplan bundle sha256=([0-9a-f]{64})\b/;

/**
 * Where the code cache lives: `TRADEPLAN_CACHE_DIR` when set (empty: no
 * cache), else the user's cache folder (`$XDG_CACHE_HOME/tradeplan`,
 * `~/.cache/tradeplan`; `%LOCALAPPDATA%\tradeplan\cache` on Windows). Never a
 * folder shared between users such as /tmp: a cache file is code this process
 * runs.
 */
export function codeCacheDir(
  env: Readonly<Record<string, string | undefined>>,
  home: string,
  platform: NodeJS.Platform,
): string | undefined {
  const own = env.TRADEPLAN_CACHE_DIR;
  if (own !== undefined) return own === "" ? undefined : own;
  if (platform === "win32") return env.LOCALAPPDATA ? join(env.LOCALAPPDATA, "tradeplan", "cache") : undefined;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "tradeplan");
  return home === "" ? undefined : join(home, ".cache", "tradeplan");
}

/** FNV-1a of a string, as 8 hex digits: tells V8 flag sets apart in a file name, no security role. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}

/**
 * The cache file of a bundle in this Node: V8 refuses a cache made by
 * another V8 or under other V8 flags, so each gets its own file instead of
 * overwriting the other's on every run.
 */
function cacheFile(dir: string, bundleHash: string): string {
  const flags = fnv1a(`${process.execArgv.join(" ")}\n${process.env.NODE_OPTIONS ?? ""}`);
  return join(dir, `bundle-${bundleHash.slice(0, 16)}-node${process.version}-${process.arch}-${flags}.v8`);
}

/** Whether a folder or file may be trusted: this user's, and nobody else may write to it (POSIX only). */
function trusted(stats: { uid: number; mode: number }): boolean {
  const uid = process.getuid?.();
  return uid === undefined || (stats.uid === uid && (stats.mode & 0o022) === 0);
}

/** The cache file's bytes if it exists and may be trusted; `untrusted` when it exists and may not. */
function readCache(file: string): Buffer | undefined | "untrusted" {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return undefined;
  }
  try {
    if (!trusted(fstatSync(fd))) return "untrusted";
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Writes `data` to `file` whole or not at all (a temporary file renamed into place); false on any failure. */
function writeCache(file: string, data: Buffer): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data, { mode: 0o600, flag: "wx" });
    renameSync(tmp, file);
    return true;
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // There was nothing to remove.
    }
    return false;
  }
}

/** The cache folder, made if missing (this user's only); undefined when it cannot be made or trusted. */
function usableDir(dir: string): string | undefined | "untrusted" {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return trusted(statSync(dir)) ? dir : "untrusted";
  } catch {
    return undefined;
  }
}

/**
 * Runs a CommonJS bundle that scripts/bundle.mjs wrote (its `main` export)
 * with a V8 code cache: compiling the bundle's code is most of what loading
 * it costs, and Node 20 caches no compiled code of its own
 * (`module.enableCompileCache` came in Node 22). The first run of a bundle
 * in a given Node writes the code V8 compiled while it ran (the functions
 * the run used included) to `cacheDir`; later runs start from it. A missing,
 * stale or corrupt cache only costs the compile (V8 checks it and refuses a
 * bad one, which is then rewritten); a cache folder that cannot be written
 * is ignored.
 */
export async function runBundle(bundle: string, cacheDir: string | undefined): Promise<CodeCacheOutcome> {
  const source = readFileSync(bundle, "utf8");
  const hash = BANNER.exec(source)?.[1];
  const dir = cacheDir === undefined || hash === undefined ? undefined : usableDir(cacheDir);
  const file = dir === undefined || dir === "untrusted" || hash === undefined ? undefined : cacheFile(dir, hash);
  const cached = file === undefined ? undefined : readCache(file);
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    ...(cached instanceof Buffer ? { cachedData: cached } : {}),
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} as { main?: () => Promise<void> } };
  (script.runInThisContext() as (...args: unknown[]) => void)(
    module.exports,
    createRequire(pathToFileURL(bundle)),
    module,
    bundle,
    dirname(bundle),
  );
  const main = module.exports.main;
  if (typeof main !== "function") throw new Error(`${bundle} exports no main()`);
  await main();

  if (dir === "untrusted" || cached === "untrusted") return "untrusted";
  if (file === undefined) return "off";
  if (cached instanceof Buffer && !script.cachedDataRejected) return "hit";
  // Made after the run, the cache holds every function the run compiled, not only the top level.
  if (writeCache(file, script.createCachedData())) return "written";
  return cached instanceof Buffer ? "rejected" : "unwritable";
}
