import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = join(dirname(fileURLToPath(import.meta.url)), "..", "src");
/** Only the Node entries may use Node APIs: the server also runs in a browser web worker. */
const NODE_ENTRIES = new Set(["node.ts", "main.ts"]);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

describe("environment neutrality", () => {
  it("keeps Node APIs out of everything but the Node entries", () => {
    const offenders = files(SRC)
      .filter((f) => !NODE_ENTRIES.has(relative(SRC, f)))
      .filter((f) =>
        /from "node:|require\(|\bprocess\.|\bBuffer\b|vscode-languageserver\/node/.test(readFileSync(f, "utf8")),
      )
      .map((f) => relative(SRC, f));
    expect(offenders).toEqual([]);
  });
});
