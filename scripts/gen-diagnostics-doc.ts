/**
 * Writes docs/diagnostics.md from the code table. `--check` only compares
 * and exits 1 when the committed file is out of date (for CI).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { diagnosticsMarkdown } from "../packages/cli/src/docs.js";

const target = new URL("../docs/diagnostics.md", import.meta.url);
const text = diagnosticsMarkdown();
if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(target, "utf8");
  } catch {
    // A missing file is simply out of date.
  }
  if (current !== text) {
    process.stderr.write("docs/diagnostics.md is out of date: run `pnpm docs:diagnostics`\n");
    process.exitCode = 1;
  }
} else {
  writeFileSync(target, text);
  process.stdout.write("wrote docs/diagnostics.md\n");
}
