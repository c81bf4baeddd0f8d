import { CODES } from "@tradeplan/dsl";
import { describe, expect, it } from "vitest";
import { closestCodes, wrap } from "../src/explain.js";
import { cli } from "./helpers.js";

describe("explain", () => {
  it.each(CODES.map((c) => [c.code, c] as const))(
    "explains %s with its examples and the diagnostics they produce",
    async (code, info) => {
      const r = await cli(["explain", code], "/");
      expect(r.code).toBe(0);
      expect(r.err).toBe("");
      expect(r.out.startsWith(`${code}: ${info.title} (${info.severity})\n`)).toBe(true);
      expect(r.out.replace(/\s+/g, " ")).toContain(info.explanation.replace(/\s+/g, " "));
      expect(r.out).toContain("\nWrong:\n");
      expect(r.out).toContain("\nRight:\n");
      expect(r.out).toContain(`    ${info.right.split("\n")[0]}`);
      expect(r.out).not.toContain("\u001b[");
      // The formatter's code comes from `fmt`, never from checking: its example checks clean.
      if (code === "E0006") expect(r.out).toContain("Checking it reports no problems.");
      else expect(r.out).toContain(`${info.severity}[${code}]`);
    },
  );

  it("accepts codes in any case and without leading zeros", async () => {
    const r = await cli(["explain", "e201"], "/");
    expect(r.code).toBe(0);
    expect(r.out.startsWith("E0201: unknown name")).toBe(true);
  });

  it("exits 2 for an unknown code, naming the closest ones", async () => {
    const r = await cli(["explain", "E0299"], "/");
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toContain("error: unknown diagnostic code `E0299`");
    expect(r.err).toContain("did you mean `E0209`");
  });

  it("finds codes by title words, and sanitizes what it echoes", async () => {
    expect(closestCodes("unknown time zone")[0]).toBe("E0305");
    expect(closestCodes("zzzz")).toEqual([]);
    const r = await cli(["explain", "\u001b[2Jx"], "/");
    expect(r.code).toBe(2);
    expect(r.err).not.toContain("\u001b");
  });

  it("needs a code", async () => {
    expect((await cli(["explain"], "/")).code).toBe(2);
  });

  it("wraps long explanations", () => {
    expect(wrap("aaa bbb ccc", 7)).toBe("aaa bbb\nccc");
  });
});
