// Bundles the extension client and the language server into dist/ with esbuild,
// so the .vsix needs no node_modules (`vsce package --no-dependencies`).
import { copyFile, cp, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
await rm(new URL("../dist", import.meta.url), { recursive: true, force: true });

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: "node",
  target: "node18",
  format: "cjs",
  sourcemap: false,
  minify: true,
  logLevel: "warning",
  // The workspace packages' TypeScript sources, not their built dist/.
  conditions: ["@tradeplan/source"],
  // node.ts checks `import.meta.url` to start itself when run directly; the bundle starts it from server.ts.
  define: { "import.meta.url": "undefined" },
};

await Promise.all([
  build({ ...common, entryPoints: ["src/extension.ts"], outfile: "dist/extension.js", external: ["vscode"] }),
  build({ ...common, entryPoints: ["src/server.ts"], outfile: "dist/server.js" }),
]);

// What the .vsix ships beside the bundles: the licence (the repository's one file) and the JSON Schemas the CLI
// package generates and ships (yamlValidation points at them), copied so there is one source of each.
await copyFile(new URL("../../../LICENSE", import.meta.url), new URL("../LICENSE", import.meta.url));
await rm(new URL("../schemas", import.meta.url), { recursive: true, force: true });
await cp(new URL("../../cli/schemas", import.meta.url), new URL("../schemas", import.meta.url), { recursive: true });
