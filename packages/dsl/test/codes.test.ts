import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { CODES, lookupCode } from "../src/codes.js";
import { run } from "./checker-helpers.js";

/**
 * The code table is a contract: each entry's `wrong` example produces that
 * code (and no other error code), its `right` example checks clean.
 */

/** Codes reported outside `analyze` (by `tradeplan fmt`): their examples are plans that check clean. */
const NOT_FROM_ANALYZE = new Set(["E0006"]);

describe("every code's examples", () => {
  for (const info of CODES) {
    if (NOT_FROM_ANALYZE.has(info.code)) {
      test(`${info.code}: both examples are valid plans (reported by the formatter, not the checker)`, () => {
        expect(run(info.wrong).diagnostics).toEqual([]);
        expect(run(info.right).diagnostics).toEqual([]);
      });
      continue;
    }
    test(`${info.code}: wrong produces it and no other error code`, () => {
      const ds = run(info.wrong).diagnostics;
      const hits = ds.filter((d) => d.code === info.code);
      expect(hits.length, ds.map((d) => `${d.code} ${d.message}`).join("\n")).toBeGreaterThan(0);
      expect(hits.every((d) => d.severity === info.severity)).toBe(true);
      const otherErrors = ds.filter((d) => d.severity === "error" && d.code !== info.code).map((d) => d.code);
      expect(otherErrors).toEqual([]);
    });
    test(`${info.code}: right checks clean`, () => {
      expect(run(info.right).diagnostics).toEqual([]);
    });
  }
});

describe("the table itself", () => {
  test("codes are well formed, unique, in order, with matching severity", () => {
    const seen = new Set<string>();
    let prev = "";
    for (const c of CODES) {
      expect(c.code).toMatch(/^[EW]\d{4}$/);
      expect(seen.has(c.code)).toBe(false);
      seen.add(c.code);
      expect(c.severity).toBe(c.code.startsWith("E") ? "error" : "warning");
      expect(c.code > prev).toBe(true);
      prev = c.code;
    }
  });

  test("titles are one lower-case line without a final period; explanations are present", () => {
    for (const c of CODES) {
      expect(c.title).toMatch(/^[^A-Z\n].*[^.]$/);
      expect(c.explanation.length).toBeGreaterThan(20);
      expect(c.wrong).not.toBe(c.right);
    }
  });

  test("lookupCode is forgiving about case and zero padding", () => {
    expect(lookupCode("E0201")?.code).toBe("E0201");
    expect(lookupCode("e201")?.code).toBe("E0201");
    expect(lookupCode(" w601 ")?.code).toBe("W0601");
    expect(lookupCode("E9999")).toBeUndefined();
    expect(lookupCode("nonsense")).toBeUndefined();
  });

  test("every code the checker can emit is in the table", () => {
    const dir = join(dirname(fileURLToPath(import.meta.url)), "../src/checker");
    const emitted = new Set<string>();
    for (const f of readdirSync(dir)) {
      for (const m of readFileSync(join(dir, f), "utf8").matchAll(/"([EW]\d{4})"/g)) emitted.add(m[1] as string);
    }
    expect(emitted.size).toBeGreaterThan(25);
    for (const code of emitted) expect(lookupCode(code)?.code, code).toBe(code);
  });
});
