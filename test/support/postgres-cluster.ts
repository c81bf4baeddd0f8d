/**
 * A throw-away PostgreSQL cluster for tests: Debian's `initdb` and `pg_ctl`
 * (kept off the PATH in /usr/lib/postgresql/VERSION/bin) make a cluster in a
 * temp folder, started on a free loopback port with its unix sockets in that
 * folder, as the `postgres` user when the tests run as root (PostgreSQL
 * refuses to run as root). The superuser has a random password and local
 * TCP connections need it (scram-sha-256), so tests pass it the way users
 * must: in `PGPASSWORD`, never in the connection string.
 *
 * {@link usePostgres} gives a test file one cluster (started in `beforeAll`,
 * stopped and removed in `afterAll`) and a fresh database per call of
 * `database()` (it lives in postgres.ts, the only part that needs vitest: a
 * benchmark imports this module). Where PostgreSQL is not installed the tests that need it skip
 * with a message saying so; in CI (`CI` set, as `.ci/run` does) they fail.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where Debian installs each PostgreSQL major version's programs. */
const DEBIAN_ROOT = "/usr/lib/postgresql";

/**
 * The newest installed PostgreSQL's program folder (holding `initdb`,
 * `pg_ctl` and `postgres`), or undefined when none is installed. Looks in
 * Debian's versioned folders, then on the PATH.
 */
export function postgresBinDir(): string | undefined {
  if (existsSync(DEBIAN_ROOT)) {
    const versions = readdirSync(DEBIAN_ROOT)
      .filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(join(DEBIAN_ROOT, v, "bin", "pg_ctl")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0] !== undefined) return join(DEBIAN_ROOT, versions[0], "bin");
  }
  const which = spawnSync("sh", ["-c", "command -v pg_ctl"], { encoding: "utf8" });
  const onPath = which.status === 0 ? which.stdout.trim() : "";
  return onPath && existsSync(join(onPath, "..", "initdb")) ? join(onPath, "..") : undefined;
}

/** Why PostgreSQL tests cannot run here, or undefined when they can. Throws in CI, where they must run. */
export function postgresMissing(): string | undefined {
  const bin = postgresBinDir();
  let why: string | undefined;
  if (bin === undefined)
    why = `PostgreSQL is not installed (no ${DEBIAN_ROOT}/*/bin/pg_ctl, no pg_ctl on the PATH): apt-get install postgresql`;
  else if (isRoot() && spawnSync("id", ["-u", "postgres"]).status !== 0)
    why = "running as root and there is no `postgres` user to run PostgreSQL as (it refuses root)";
  if (why !== undefined && process.env.CI)
    throw new Error(`PostgreSQL tests must run in CI, but ${why} (.ci/run installs Debian's postgresql)`);
  return why;
}

function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** A running throw-away cluster. */
export interface PgCluster {
  readonly host: string;
  readonly port: number;
  /** The superuser's name. */
  readonly user: string;
  /** The superuser's password: give it in `PGPASSWORD`, never in a URL. */
  readonly password: string;
  /** Environment a client needs (`PGPASSWORD`), to merge into a child's or `process.env`. */
  readonly env: Readonly<Record<string, string>>;
  /** The cluster's folder (data, sockets, log). */
  readonly dir: string;
  /** `postgres://user@host:port/name` (no password). */
  url(database?: string): string;
  /** Creates an empty database with a fresh name and returns its URL. */
  createDatabase(prefix?: string): string;
  /** Runs SQL with `psql` against a database (as the superuser); returns stdout. Throws with psql's stderr. */
  psql(database: string, sql: string): string;
  /**
   * Restarts the server (`pg_ctl restart -m fast`: every connection is cut,
   * the data kept; for failover tests). Returns once it accepts connections again.
   */
  restart(): void;
  /** Stops the server (immediately) and removes the folder. Idempotent. */
  stop(): void;
}

/** A free TCP port on 127.0.0.1 (bound and released: a small race, retried by {@link startCluster}). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

/**
 * Initialises and starts a cluster in a new temp folder. Throws (with the
 * server's log) when it cannot; call {@link postgresMissing} first.
 */
export async function startCluster(): Promise<PgCluster> {
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error(postgresMissing() ?? "PostgreSQL is not installed");
  const root = isRoot();
  const dir = mkdtempSync(join(tmpdir(), "tradeplan-pg-"));
  const data = join(dir, "data");
  const log = join(dir, "server.log");
  const user = "tradeplan";
  const password = randomBytes(18).toString("base64url");
  let uid = -1;
  let gid = -1;
  if (root) {
    uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const pwfile = join(dir, "pwfile");
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (root) chownSync(pwfile, uid, gid);
  // As the postgres user when we are root: PostgreSQL refuses to run as root.
  const run = (program: string, args: readonly string[]): void => {
    const cmd = root ? "runuser" : join(bin, program);
    const argv = root ? ["-u", "postgres", "--", join(bin, program), ...args] : [...args];
    const r = spawnSync(cmd, argv, { encoding: "utf8", cwd: dir });
    if (r.status !== 0) {
      const serverLog = existsSync(log) ? readFileSync(log, "utf8").slice(-2000) : "";
      throw new Error(`${program} failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}\n${serverLog}`);
    }
  };
  const stop = (): void => {
    if (!existsSync(dir)) return;
    if (existsSync(join(data, "postmaster.pid"))) {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } catch {
        // Already gone: the folder is removed all the same.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    run("initdb", [
      "-D",
      data,
      "-U",
      user,
      `--pwfile=${pwfile}`,
      "--auth-local=trust",
      "--auth-host=scram-sha-256",
      "-E",
      "UTF8",
      "--locale=C",
      "--no-sync",
    ]);
    rmSync(pwfile);
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      // Throw-away data: no fsync, so tests do not wait on the disk; every other setting as shipped.
      const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
      try {
        run("pg_ctl", ["-D", data, "-l", log, "-o", options, "-w", "-t", "60", "start"]);
        break;
      } catch (e) {
        // Another process took the port between our probe and the server's bind.
        if (attempt >= 3) throw e;
      }
    }
    const host = "127.0.0.1";
    const env = { PGPASSWORD: password };
    const url = (database = "postgres") => `postgres://${user}@${host}:${port}/${database}`;
    let made = 0;
    const cluster: PgCluster = {
      host,
      port,
      user,
      password,
      env,
      dir,
      url,
      psql: (database, sql) => {
        const r = spawnSync(
          join(bin, "psql"),
          ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url(database), "-c", sql],
          {
            encoding: "utf8",
            env: { ...process.env, ...env },
          },
        );
        if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
        return r.stdout;
      },
      createDatabase: (prefix = "t") => {
        made++;
        const name = `${prefix}_${process.pid}_${made}`.toLowerCase().replace(/[^a-z0-9_]/g, "_");
        cluster.psql("postgres", `CREATE DATABASE ${name}`);
        return url(name);
      },
      restart: () => run("pg_ctl", ["-D", data, "-l", log, "-m", "fast", "-w", "-t", "60", "restart"]),
      stop,
    };
    process.once("exit", stop);
    return cluster;
  } catch (e) {
    stop();
    throw e;
  }
}
