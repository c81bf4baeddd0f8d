#!/usr/bin/env node
// Runs the TypeScript entry through tsx, found in the workspace's node_modules
// (the packages are consumed from source, so there is no build step).
let api;
try {
  api = await import("tsx/esm/api");
} catch {
  process.stderr.write("error: tradeplan needs `tsx`; run `pnpm install` in the workspace\n");
  process.exit(2);
}
api.register();
await import(new URL("../src/bin.ts", import.meta.url).href);
