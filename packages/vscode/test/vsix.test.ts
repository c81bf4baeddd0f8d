import { execFile } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import yauzl from "yauzl";
import { z } from "zod";
import { PACKAGE_DIR } from "./textmate.js";

const run = promisify(execFile);
const VSIX = join(PACKAGE_DIR, "tradeplan-vscode.vsix");

/** Names of the entries of a zip file. */
async function zipEntries(file: string): Promise<string[]> {
  const zip = await promisify<string, yauzl.Options, yauzl.ZipFile>(yauzl.open)(file, { lazyEntries: false });
  return new Promise((resolve, reject) => {
    const names: string[] = [];
    zip.on("entry", (e: yauzl.Entry) => names.push(e.fileName));
    zip.on("end", () => resolve(names));
    zip.on("error", reject);
  });
}

/** Starts a bundled server over stdio and returns its `initialize` answer. */
async function initializeBundledServer(server: string): Promise<string> {
  const { spawn } = await import("node:child_process");
  const child = spawn(process.execPath, [server, "--stdio"], { stdio: ["pipe", "pipe", "inherit"] });
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { processId: null, rootUri: null, capabilities: {} },
  });
  child.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  let out = "";
  try {
    return await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString("utf8");
        if (out.includes('"id":1')) resolve(out);
      });
      child.on("exit", (code) => reject(new Error(`server exited with ${code} before answering: ${out}`)));
    });
  } finally {
    child.kill();
  }
}

// Bundling (esbuild) and `vsce package` take about 15 s on a shared machine.
describe("the .vsix", () => {
  it("builds with the `package` script and holds the manifest, both bundles and the grammar", async () => {
    rmSync(VSIX, { force: true });
    // The `package` script itself, run as pnpm runs it (package bins on PATH), so the test needs no pnpm on PATH.
    const script = z
      .object({ scripts: z.object({ package: z.string() }) })
      .parse(JSON.parse(readFileSync(join(PACKAGE_DIR, "package.json"), "utf8"))).scripts.package;
    await run("sh", ["-c", script], {
      cwd: PACKAGE_DIR,
      timeout: 170_000,
      env: {
        ...process.env,
        PATH: `${join(PACKAGE_DIR, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}`,
      },
    });
    expect(existsSync(VSIX)).toBe(true);
    const entries = await zipEntries(VSIX);
    expect(entries).toEqual(
      expect.arrayContaining([
        "extension.vsixmanifest",
        "extension/package.json",
        "extension/dist/extension.js",
        "extension/dist/server.js",
        "extension/syntaxes/tradeplan.tmLanguage.json",
        "extension/language-configuration.json",
        "extension/LICENSE.txt",
        "extension/images/icon.png",
        "extension/schemas/tradeplan.schema.json",
        "extension/schemas/plan-test.schema.json",
      ]),
    );
    // --no-dependencies: everything the extension runs is in dist/.
    expect(entries.filter((e) => e.includes("node_modules"))).toEqual([]);
    expect(entries.filter((e) => e.startsWith("extension/src/") || e.startsWith("extension/test/"))).toEqual([]);

    const answer = await initializeBundledServer(join(PACKAGE_DIR, "dist/server.js"));
    expect(answer).toContain('"name":"tradeplan-lsp"');
    expect(answer).toContain('"textDocumentSync"');
  }, 180_000);
});
