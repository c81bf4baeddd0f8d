import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ChartLibrarySource } from "@tradeplan/core";

let library: ChartLibrarySource | undefined;

/**
 * Reads lightweight-charts' standalone build from the installed package
 * (wherever `@tradeplan/core` is installed: the workspace or a user's global
 * install), once per process, for `renderReport`'s `chartLibrary`.
 */
export function chartLibrarySource(): ChartLibrarySource {
  if (library) return library;
  const require = createRequire(import.meta.url);
  const manifest = require.resolve("lightweight-charts/package.json");
  const { version } = JSON.parse(readFileSync(manifest, "utf8")) as { version: string };
  const script = readFileSync(join(dirname(manifest), "dist", "lightweight-charts.standalone.production.js"), "utf8");
  library = { version, script };
  return library;
}
