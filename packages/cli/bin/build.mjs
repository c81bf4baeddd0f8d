// `pnpm --filter @tradeplan/cli build`: bundles src/bin.ts and every workspace
// package it imports (TypeScript source) into dist/tradeplan.mjs, one plain
// JavaScript file that starts without tsx. Native addons cannot be bundled:
// packages that ship a compiled `.node` file (or build one: binding.gyp) stay
// external, imported by a path relative to the bundle, so they resolve from the
// package that depends on them however the workspace's node_modules are laid out.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire, isBuiltin } from "node:module";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const cliDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const outfile = join(cliDir, "dist", "tradeplan.mjs");
/** Always external, whatever is found on disk (known native addons). */
const NATIVE = new Set(["better-sqlite3"]);

/** The directory of the package that `file` belongs to. */
function packageRoot(file) {
  let dir = dirname(file);
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** True when the package at `dir` has a compiled addon (`*.node`) or builds one. */
function hasNativeAddon(dir, depth = 0) {
  if (depth === 0 && existsSync(join(dir, "binding.gyp"))) return true;
  if (depth > 4) return false;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isFile() && e.name.endsWith(".node")) return true;
    if (e.isDirectory() && e.name !== "node_modules" && hasNativeAddon(join(dir, e.name), depth + 1)) return true;
  }
  return false;
}

const nativeCache = new Map();
const nativeAddons = {
  name: "native-addons",
  setup(b) {
    // Bare specifiers only: `pkg`, `@scope/pkg`, with an optional subpath.
    b.onResolve({ filter: /^(?:@[^/]+\/)?[^./][^:]*$/ }, (args) => {
      if (args.path.startsWith("node:")) return undefined;
      const name = args.path.startsWith("@") ? args.path.split("/").slice(0, 2).join("/") : args.path.split("/")[0];
      let resolved;
      try {
        resolved = createRequire(join(args.resolveDir, "noop.js")).resolve(args.path);
      } catch {
        return undefined; // esbuild reports the unresolvable import itself.
      }
      if (!resolved.includes(sep)) return undefined; // a Node built-in
      const root = packageRoot(resolved);
      let native = nativeCache.get(root);
      if (native === undefined) {
        native = NATIVE.has(name) || hasNativeAddon(root);
        nativeCache.set(root, native);
      }
      if (!native) return undefined;
      const rel = relative(dirname(outfile), resolved).split(sep).join("/");
      return { path: rel.startsWith(".") ? rel : `./${rel}`, external: true };
    });
  },
};

const pkg = JSON.parse(readFileSync(join(cliDir, "package.json"), "utf8"));
const result = await build({
  entryPoints: [join(cliDir, "src", "bin.ts")],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  legalComments: "none",
  // Smaller to load; identifiers keep their names (error classes and stack traces read the same).
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
  metafile: true,
  plugins: [nativeAddons],
  // CommonJS dependencies bundled into an ES module still call `require` for Node built-ins.
  banner: {
    js: "import { createRequire as __tradeplanRequire } from 'node:module'; const require = __tradeplanRequire(import.meta.url);",
  },
});
const externals = new Set();
for (const out of Object.values(result.metafile.outputs))
  for (const i of out.imports) if (i.external && !isBuiltin(i.path)) externals.add(i.path);
// The workspace's own source files in the bundle: bin/tradeplan.mjs runs the bundle only while none is newer.
const sources = Object.keys(result.metafile.inputs)
  .map((f) => join(process.cwd(), f))
  .filter((f) => !f.includes(`${sep}node_modules${sep}`))
  .map((f) => relative(dirname(outfile), f).split(sep).join("/"))
  .sort();
writeFileSync(join(dirname(outfile), "tradeplan.sources.json"), `${JSON.stringify({ sources }, null, 1)}\n`);
console.log(
  `built ${relative(process.cwd(), outfile)} (${pkg.name} ${pkg.version})${externals.size > 0 ? `; external: ${[...externals].join(", ")}` : ""}`,
);
