import { readFileSync } from "node:fs";
import { CODES } from "@tradeplan/dsl";
import { describe, expect, it } from "vitest";
import { diagnosticsMarkdown } from "../src/docs.js";

const DOC = new URL("../../../docs/diagnostics.md", import.meta.url);

describe("docs/diagnostics.md", () => {
  it("is up to date with the code table (regenerate with `pnpm docs:diagnostics`)", () => {
    expect(readFileSync(DOC, "utf8")).toBe(diagnosticsMarkdown());
  });

  it("has an anchor, a heading and both examples for every code", () => {
    const md = diagnosticsMarkdown();
    for (const c of CODES) {
      expect(md).toContain(`<a id="${c.code.toLowerCase()}"></a>\n\n## ${c.code}: ${c.title}\n`);
      expect(md).toContain(`| [${c.code}](#${c.code.toLowerCase()}) |`);
    }
    expect(md.match(/^Wrong:$/gm)).toHaveLength(CODES.length);
    expect(md.match(/^Right:$/gm)).toHaveLength(CODES.length);
  });
});
