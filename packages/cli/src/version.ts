import { readFileSync } from "node:fs";

/**
 * The CLI's version, from its package.json: one folder up from both the
 * TypeScript source (src/) and the built JavaScript (dist/), so it is read at
 * run time rather than compiled in.
 */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;
