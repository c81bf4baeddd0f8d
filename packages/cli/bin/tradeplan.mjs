#!/usr/bin/env node
// Runs the bundled CLI (dist/tradeplan.mjs, made by `pnpm --filter @tradeplan/cli build`) when it is present and
// no workspace source it was built from has changed since; otherwise the TypeScript entry through tsx, found in
// the workspace's node_modules (the packages are consumed from source). TRADEPLAN_BUNDLE=0 forces tsx;
// TRADEPLAN_BUNDLE=1 runs the bundle without comparing it with the sources (benchmarks, while sources are edited).
import { readFileSync, statSync } from "node:fs";

const bundle = new URL("../dist/tradeplan.mjs", import.meta.url);

/** True when the bundle exists and is newer than every source file listed next to it by the build. */
function bundleIsFresh() {
  const mode = process.env.TRADEPLAN_BUNDLE;
  if (mode === "0") return false;
  try {
    const built = statSync(bundle).mtimeMs;
    if (mode === "1") return true;
    const { sources } = JSON.parse(readFileSync(new URL("../dist/tradeplan.sources.json", import.meta.url), "utf8"));
    if (!Array.isArray(sources) || sources.length === 0) return false;
    for (const s of sources) if (statSync(new URL(s, bundle)).mtimeMs > built) return false;
    return true;
  } catch {
    // No bundle, no source list, or a source that moved: the bundle cannot be trusted.
    return false;
  }
}

if (bundleIsFresh()) {
  await import(bundle.href);
} else {
  let api;
  try {
    api = await import("tsx/esm/api");
  } catch {
    process.stderr.write("error: tradeplan needs `tsx`; run `pnpm install` in the workspace\n");
    process.exit(2);
  }
  api.register();
  await import(new URL("../src/bin.ts", import.meta.url).href);
}
