import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { cli, tempDir } from "./helpers.js";

// The formatter's self-check cannot fail on purpose, so this file replaces `format` with one that reports E0006.
vi.mock("@tradeplan/dsl", async (importOriginal) => {
  const real = await importOriginal<typeof import("@tradeplan/dsl")>();
  return {
    ...real,
    format: (source: string) => ({
      ok: false as const,
      diagnostics: [
        {
          code: "E0006",
          severity: "error" as const,
          message: "formatter changed the meaning: statement 1 reads differently after formatting",
          span: {
            start: { line: 1, column: 1, offset: 0 },
            end: { line: 1, column: 1 + source.indexOf("\n"), offset: source.indexOf("\n") },
          },
        },
      ],
    }),
  };
});

describe("fmt: self-check failure", () => {
  it("exits 2 with a loud message and leaves the file alone", async () => {
    const { dir, cleanup } = tempDir();
    try {
      writeFileSync(join(dir, "a.plan"), 'plan "a"\n');
      const r = await cli(["fmt", "--write", "a.plan"], dir);
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
      expect(r.err).toContain("error[E0006]: formatter changed the meaning");
      expect(r.err).toContain("INTERNAL FORMATTER ERROR");
      expect(r.err).toContain("The file was NOT changed");
    } finally {
      cleanup();
    }
  });
});
