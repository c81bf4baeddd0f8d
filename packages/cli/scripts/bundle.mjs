// Bundles the fast commands (src/fast-commands.ts: check, fmt, explain) with
// everything they load (the program and its command table, the dsl with its
// vendored Chevrotain, zod, commander) into one CommonJS file, dist/fast.cjs,
// which dist/bin.js runs under a V8 code cache (src/code-cache.ts). Why: a
// process loading ~180 ES modules spent ~100 ms resolving, reading and
// compiling them; one file whose compiled code comes from the cache costs a
// fraction (docs/architecture.md, Start-up). The other commands' modules stay
// out: the command table's dynamic imports of them point at dist/commands/.
// Runs after tsc (scripts/build.mjs), from dist/, so the bundle is the code
// the modules are.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const cli = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(cli, "dist");
const { FAST_COMMANDS } = await import(pathToFileURL(join(dist, "fast-commands.js")).href);
const fastModules = new Set(FAST_COMMANDS.map((c) => `./${c}.js`));
const out = join(dist, "fast.cjs");
/** What `import.meta.url` becomes in the bundle: the bundle's own URL (CommonJS has no import.meta). */
const MODULE_URL = "__tradeplanBundleUrl";

const result = await build({
  entryPoints: [join(dist, "main.js")],
  bundle: true,
  write: false,
  outfile: out,
  platform: "node",
  format: "cjs",
  target: "node20",
  // The dsl's `#chevrotain` is Chevrotain's single-file build under `node`.
  conditions: ["node"],
  // Whitespace and syntax only: names stay, so stack traces (TRADEPLAN_DEBUG) stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
  define: { "import.meta.url": MODULE_URL },
  // Injected, not a banner: the code must start with its "use strict".
  inject: [join(cli, "scripts", "bundle-url.mjs")],
  plugins: [
    {
      // zod exports its ~40 message locales as `z.locales` and `z.core.locales`, which nothing here uses; the bundle keeps
      // English (zod's default), and the others' ~300 KB cost every run of the bundle reading and loading them.
      name: "zod-english-only",
      setup(b) {
        b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
          /[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer)
            ? { path: "zod-locales-en", namespace: "tradeplan-bundle", pluginData: dirname(args.importer) }
            : undefined,
        );
        b.onLoad({ filter: /^zod-locales-en$/, namespace: "tradeplan-bundle" }, (args) => ({
          contents: 'export { default as en } from "../locales/en.js";',
          resolveDir: args.pluginData,
        }));
      },
    },
    {
      // Commander requires node:child_process (and with it net, dgram and streams) on load, for the executable
      // subcommands this CLI does not have: required on first use instead, it costs nothing on a run that needs none.
      name: "commander-child-process-on-use",
      setup(b) {
        b.onResolve({ filter: /^node:child_process$/ }, (args) =>
          /[\\/]commander[\\/]/.test(args.importer)
            ? { path: "child-process-on-use", namespace: "tradeplan-bundle" }
            : undefined,
        );
        b.onLoad({ filter: /^child-process-on-use$/, namespace: "tradeplan-bundle" }, () => ({
          contents:
            'let cp; const load = () => (cp ??= require("node:child_process")); module.exports = new Proxy({}, { get: (_, k) => load()[k] });',
          loader: "js",
        }));
      },
    },
    {
      name: "other-commands-stay-modules",
      setup(b) {
        b.onResolve({ filter: /^\.\/[a-z-]+\.js$/ }, (args) => {
          if (args.kind !== "dynamic-import" || dirname(args.importer) !== join(dist, "commands")) return undefined;
          if (fastModules.has(args.path)) return undefined;
          const target = relative(dist, join(dirname(args.importer), args.path))
            .split(sep)
            .join("/");
          return { path: `./${target}`, external: true };
        });
      },
    },
  ],
});

let code = result.outputFiles[0].text;
// The other commands load as ES modules beside the bundle: resolve their paths against it, not against whoever runs it.
code = code.replace(
  /import\("(\.\/commands\/[a-z-]+\.js)"\)/g,
  (_, path) => `import(new URL(${JSON.stringify(path)},${MODULE_URL}).href)`,
);
if (/\bimport\("\./.test(code)) throw new Error("fast.cjs: a relative dynamic import was left unresolved");

/** The packages the bundle holds, for the banner (and the test that keeps the heavy ones out). */
const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (m) packages.add(m[1]);
  else {
    const own = /(?:^|\/)packages\/([^/]+)\//.exec(input);
    if (own) packages.add(JSON.parse(readFileSync(join(cli, "..", own[1], "package.json"), "utf8")).name);
  }
}
const hash = createHash("sha256").update(code).digest("hex");
const banner = `/*! tradeplan bundle sha256=${hash} of ${FAST_COMMANDS.join(", ")}, made by @tradeplan/cli's scripts/bundle.mjs from ${[...packages].sort().join(", ")} (each package's licence is in its own package, installed with this one) */\n`;
writeFileSync(out, banner + code);
