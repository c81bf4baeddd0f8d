import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CODES } from "@tradeplan/dsl";
import { toLspDiagnostic } from "@tradeplan/lsp";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { diagnosticsMarkdown } from "../src/docs.js";
import { sarifReport } from "../src/render/sarif.js";

/**
 * SARIF's `helpUri` must lead somewhere real: the repository every package
 * names, the page that exists in it, and an anchor that page really has,
 * in front of the section of that very code.
 */

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

const Manifest = z.object({ repository: z.object({ url: z.string() }) });
const SarifRules = z.object({
  runs: z.tuple([
    z.object({
      tool: z.object({ driver: z.object({ rules: z.array(z.object({ id: z.string(), helpUri: z.url() })) }) }),
    }),
  ]),
});

/** `git+https://github.com/o/r.git` -> `https://github.com/o/r`. */
function repositoryWebUrl(): string {
  const { repository } = Manifest.parse(JSON.parse(readFileSync(`${ROOT}packages/cli/package.json`, "utf8")));
  return repository.url.replace(/^git\+/, "").replace(/\.git$/, "");
}

/** The anchors of a Markdown page, each with the heading that follows it. */
function anchors(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of markdown.matchAll(/^<a id="([^"]+)"><\/a>\n\n(## .*)$/gm)) out.set(m[1] as string, m[2] as string);
  return out;
}

const rules = () => SarifRules.parse(sarifReport([], { version: "0.0.0" })).runs[0].tool.driver.rules;

describe("SARIF helpUri", () => {
  it("points at docs/diagnostics.md on the repository the packages name, on its main branch", () => {
    const page = `${repositoryWebUrl()}/blob/main/docs/diagnostics.md`;
    expect(existsSync(`${ROOT}docs/diagnostics.md`)).toBe(true);
    expect(rules()).toHaveLength(CODES.length);
    for (const r of rules()) expect(r.helpUri.split("#")[0]).toBe(page);
  });

  it("names an anchor that the committed page has, right above the section of that code", () => {
    const committed = anchors(readFileSync(`${ROOT}docs/diagnostics.md`, "utf8"));
    const generated = anchors(diagnosticsMarkdown());
    expect(committed.size).toBe(CODES.length);
    for (const r of rules()) {
      const fragment = new URL(r.helpUri).hash.slice(1);
      expect(committed.get(fragment), r.id).toMatch(new RegExp(`^## ${r.id}: `));
      expect(generated.get(fragment), r.id).toBe(committed.get(fragment));
    }
  });

  it("is the link the language server gives the same code", () => {
    const span = { start: { offset: 0, line: 1, column: 1 }, end: { offset: 1, line: 1, column: 2 } };
    const docs = repositoryWebUrl();
    const sarif = SarifRules.parse(sarifReport([], { version: "0.0.0", docsUrl: docs })).runs[0].tool.driver.rules;
    for (const r of sarif) {
      const lsp = toLspDiagnostic({ code: r.id, severity: "error", message: "m", span }, "file:///a.plan", docs);
      expect(lsp.codeDescription?.href).toBe(r.helpUri);
    }
  });
});
