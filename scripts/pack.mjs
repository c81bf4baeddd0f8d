// `pnpm pack:all [DIR]`: a clean build of the publishable packages, then one
// tarball each in DIR (default: packed/), as `pnpm pack` writes them (with
// `workspace:*` replaced by the version). The repository's LICENSE is copied
// into each package for the pack and removed afterwards. Prints the tarballs'
// paths, one per line, on stdout; what it does goes to stderr.
// Install them together: `npm install -g DIR/*.tgz` (one alone cannot resolve the others).
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
/** The publishable packages, in dependency order. */
export const PACKAGES = ["dsl", "core", "store", "ibkr", "live", "postgres", "queue", "lsp", "cli"];
const out = resolve(process.argv[2] ?? join(root, "packed"));
const pnpm = process.env.npm_execpath?.includes("pnpm") ? [process.execPath, process.env.npm_execpath] : ["pnpm"];
const log = (m) => process.stderr.write(`${m}\n`);

for (const p of PACKAGES) rmSync(join(root, "packages", p, "dist"), { recursive: true, force: true });
log("building ...");
execFileSync(process.execPath, [join(root, "scripts", "build.mjs")], {
  cwd: root,
  stdio: ["ignore", "inherit", "inherit"],
});
mkdirSync(out, { recursive: true });
for (const f of readdirSync(out)) if (f.endsWith(".tgz")) rmSync(join(out, f));
const licenses = PACKAGES.map((p) => join(root, "packages", p, "LICENSE"));
try {
  for (const l of licenses) copyFileSync(join(root, "LICENSE"), l);
  for (const p of PACKAGES) {
    const [cmd, ...pre] = pnpm;
    execFileSync(cmd, [...pre, "pack", "--pack-destination", out], {
      cwd: join(root, "packages", p),
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
} finally {
  for (const l of licenses) rmSync(l, { force: true });
}
const tarballs = readdirSync(out)
  .filter((f) => f.endsWith(".tgz"))
  .map((f) => join(out, f))
  .sort();
log(`packed ${tarballs.length} packages into ${out}`);
process.stdout.write(`${tarballs.join("\n")}\n`);
