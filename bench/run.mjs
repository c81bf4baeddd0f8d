// `pnpm bench [NAME...]`: bundles each bench/*.bench.ts with esbuild (plain
// JavaScript, no tsx: tsx's keep-names wrapping distorts closure-heavy code
// such as the parser), runs it in its own process, and writes the section it
// prints into BENCHMARKS.md between `<!-- bench:NAME -->` markers.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const outDir = join(root, "node_modules", ".cache", "tradeplan-bench");
mkdirSync(outDir, { recursive: true });

const wanted = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.replace(/\.bench\.ts$/, ""))
  .filter((n) => wanted.length === 0 || wanted.includes(n));
if (benches.length === 0) {
  console.error(`no benchmark matches ${wanted.join(", ")}`);
  process.exit(2);
}

const mdPath = join(root, "BENCHMARKS.md");
const header =
  "# Benchmarks\n\nWritten by `pnpm bench` (bench/run.mjs); each section is replaced when its benchmark runs.\n";

for (const name of benches) {
  const outfile = join(outDir, `${name}.mjs`);
  await build({
    entryPoints: [join(here, `${name}.bench.ts`)],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    // Everything is bundled (workspace packages are TypeScript source) except native addons, which resolve
    // from the root devDependencies (the bundle lives under the root node_modules).
    external: ["better-sqlite3"],
    // The workspace packages' TypeScript sources, not their built dist/.
    conditions: ["@tradeplan/source"],
    logLevel: "error",
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  console.error(`running ${name} ...`);
  const section = execFileSync(process.execPath, ["--expose-gc", outfile], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 * 1024 * 1024,
  }).trim();
  const machine = `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? "unknown"}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}. Run ${new Date().toISOString().slice(0, 16)}Z.`;
  const block = `<!-- bench:${name} -->\n${section}\n\n${machine}\n<!-- /bench:${name} -->`;
  // Read just before writing: benches run in other processes may have replaced their own sections meanwhile.
  let md = existsSync(mdPath) ? readFileSync(mdPath, "utf8") : header;
  const re = new RegExp(`<!-- bench:${name} -->[\\s\\S]*?<!-- /bench:${name} -->`);
  md = re.test(md) ? md.replace(re, block) : `${md.trimEnd()}\n\n${block}\n`;
  writeFileSync(mdPath, md);
  console.log(section);
}
