#!/usr/bin/env node
/**
 * The process's entry (bin/tradeplan.mjs imports it). The fast commands run
 * from their bundle with a code cache (see fast-commands.ts); every other
 * command, and a workspace whose bundle is not built yet, from the modules.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { fileURLToPath } from "node:url";
import { codeCacheDir, runBundle } from "./code-cache.js";
import { FAST_COMMANDS } from "./fast-commands.js";

const bundle = fileURLToPath(new URL("./fast.cjs", import.meta.url));
const command = process.argv[2];
if (command !== undefined && FAST_COMMANDS.includes(command) && existsSync(bundle)) {
  await runBundle(bundle, codeCacheDir(process.env, homedir(), process.platform));
} else {
  const { main } = await import("./main.js");
  await main();
}
