/**
 * A real npm registry on loopback for the install tests: Verdaccio (from the
 * workspace's devDependencies) with its storage in a temp folder and no
 * uplinks. It serves only what the tests publish (the `@tradeplan/*`
 * packages); npm gets everything else from its usual registry, so the
 * `@tradeplan` scope is pointed at it the way a scoped registry is configured.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { ROOT } from "./harness.js";

export interface LocalRegistry {
  /** `http://127.0.0.1:PORT/` */
  readonly url: string;
  /** An npm user config file with the scope's registry and a publish token. */
  readonly npmrc: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address ? address.port : 0;
      s.close(() => done(port));
    });
  });
}

async function waitUntilUp(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`verdaccio exited with ${child.exitCode}:\n${log()}`);
    try {
      const r = await fetch(`${url}-/ping`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`verdaccio did not answer on ${url} within 60 s:\n${log()}`);
}

/** Starts Verdaccio in `dir` and registers a user whose token the returned npmrc carries. */
export async function startRegistry(dir: string): Promise<LocalRegistry> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  mkdirSync(join(dir, "storage"), { recursive: true });
  const config = join(dir, "verdaccio.yaml");
  writeFileSync(
    config,
    [
      `storage: ${join(dir, "storage")}`,
      "auth:",
      "  htpasswd:",
      `    file: ${join(dir, "htpasswd")}`,
      "    max_users: 10",
      "uplinks: {}",
      "packages:",
      "  '**':",
      "    access: $all",
      "    publish: $authenticated",
      "log: { type: stdout, format: pretty, level: warn }",
      "",
    ].join("\n"),
  );
  const child = spawn(
    process.execPath,
    [join(ROOT, "node_modules/verdaccio/bin/verdaccio"), "--config", config, "--listen", `127.0.0.1:${port}`],
    {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (d: Buffer) => {
    output += d.toString("utf8");
  });
  child.stderr?.on("data", (d: Buffer) => {
    output += d.toString("utf8");
  });
  const stop = (): Promise<void> =>
    new Promise((done) => {
      if (child.exitCode !== null) return done();
      child.once("close", () => done());
      child.kill("SIGTERM");
    });
  try {
    await waitUntilUp(url, child, () => output);
    const r = await fetch(`${url}-/user/org.couchdb.user:e2e`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "e2e", password: "e2e-password", email: "e2e@example.invalid" }),
    });
    const body = (await r.json()) as { token?: string; error?: string };
    if (!r.ok || !body.token) throw new Error(`verdaccio refused the test user: ${r.status} ${JSON.stringify(body)}`);
    const npmrc = join(dir, "npmrc");
    const hostPath = url.replace(/^http:/, "");
    writeFileSync(npmrc, `@tradeplan:registry=${url}\n${hostPath}:_authToken=${body.token}\n`);
    return { url, npmrc, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
