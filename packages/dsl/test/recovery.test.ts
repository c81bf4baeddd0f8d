import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DiagnosticCollector } from "../src/diagnostics.js";
import { parse } from "../src/parser.js";

/**
 * Lines with mistakes, each with the diagnostics the parser reported and a
 * digest of the partial tree it kept (statements and diagnostics as JSON),
 * recorded from the parser as it was before the grammar was written once:
 * then a recovering `CstParser` and a CST-to-AST conversion explained bad
 * lines. About four hundred distinct kinds of mistake (tokens dropped,
 * repeated, swapped or replaced in generated valid rules, token soup, and
 * the classic ones first), so a change to what error recovery reports or
 * keeps shows here, line by line.
 */
interface Recorded {
  readonly source: string;
  readonly diagnostics: readonly string[];
  readonly digest: string;
}

const RECORDED = JSON.parse(readFileSync(new URL("./recovery.golden.json", import.meta.url), "utf8")) as Recorded[];

describe("error recovery keeps reporting and keeping what it did", () => {
  it("on every recorded line", () => {
    expect(RECORDED.length).toBeGreaterThan(300);
    for (const line of RECORDED) {
      const d = new DiagnosticCollector();
      const ast = parse(line.source, d);
      const diagnostics = d.toArray();
      expect(
        diagnostics.map((x) => `${x.code} ${x.span.start.offset}-${x.span.end.offset} ${x.message}`),
        line.source,
      ).toEqual(line.diagnostics);
      const json = JSON.stringify({ statements: ast.statements, diagnostics });
      const digest = createHash("sha256").update(json).digest("hex").slice(0, 16);
      expect(digest, `${line.source}\n${json}`).toBe(line.digest);
    }
  });
});
