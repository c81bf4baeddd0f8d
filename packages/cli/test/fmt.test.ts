import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLEAN_PLAN, cli, tempDir } from "./helpers.js";

const MESSY = 'plan   "clean"\nsymbol AAPL\non 5m  close above 150   enter long   #why\n';
const MESSY_FORMATTED = 'plan "clean"\nsymbol AAPL\n\non 5m close above 150 enter long  # why\n';

let dir: string;
let cleanup: () => void;
const read = (name: string) => readFileSync(join(dir, name), "utf8");

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  writeFileSync(join(dir, "clean.plan"), CLEAN_PLAN);
  writeFileSync(join(dir, "messy.plan"), MESSY);
  writeFileSync(join(dir, "broken.plan"), 'plan "b"\non 5m close above enter long\n');
});
afterEach(() => cleanup());

describe("fmt", () => {
  it("prints the formatted text of one file", async () => {
    expect(await cli(["fmt", "messy.plan"], dir)).toEqual({ code: 0, out: MESSY_FORMATTED, err: "" });
    expect(read("messy.plan")).toBe(MESSY);
  });

  it("refuses several files without --write or --check", async () => {
    const r = await cli(["fmt", "messy.plan", "clean.plan"], dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain("use --write or --check");
  });

  it("--check exits 3 and lists the files that would change, touching nothing", async () => {
    const r = await cli(["fmt", "--check", "clean.plan", "messy.plan"], dir);
    expect(r.code).toBe(3);
    expect(r.out).toBe("messy.plan\n");
    expect(r.err).toContain("1 file would be reformatted");
    expect(read("messy.plan")).toBe(MESSY);
  });

  it("--check exits 0 when everything is formatted", async () => {
    expect(await cli(["fmt", "--check", "clean.plan"], dir)).toEqual({ code: 0, out: "", err: "" });
  });

  it("--write rewrites only the files that change, after which --check passes", async () => {
    const r = await cli(["fmt", "--write", "."], dir.replace(/$/, ""), {});
    // The directory holds an unparsable plan: it is refused (exit 1) while the others are still written.
    expect(r.code).toBe(1);
    expect(r.out).toBe("messy.plan\n");
    expect(read("messy.plan")).toBe(MESSY_FORMATTED);
    expect(read("clean.plan")).toBe(CLEAN_PLAN);
    expect(await cli(["fmt", "--check", "clean.plan", "messy.plan"], dir)).toMatchObject({ code: 0 });
  });

  it("treats CRLF line breaks and a BOM as unformatted and writes LF without BOM", async () => {
    writeFileSync(join(dir, "crlf.plan"), `\ufeff${CLEAN_PLAN.replace(/\n/g, "\r\n")}`);
    expect((await cli(["fmt", "--check", "crlf.plan"], dir)).code).toBe(3);
    expect((await cli(["fmt", "--write", "crlf.plan"], dir)).code).toBe(0);
    expect(readFileSync(join(dir, "crlf.plan"))).toEqual(Buffer.from(CLEAN_PLAN));
  });

  it("refuses unparsable input: exit 1 with the diagnostics, file untouched", async () => {
    const r = await cli(["fmt", "--write", "broken.plan"], dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain("error[E0101]");
    expect(r.err).toContain("`broken.plan` has syntax errors and was not formatted");
    expect(read("broken.plan")).toBe('plan "b"\non 5m close above enter long\n');
  });

  it("refuses invalid UTF-8 instead of replacing the bytes", async () => {
    const bytes = Buffer.concat([Buffer.from('plan "x"  # caf'), Buffer.from([0xe9]), Buffer.from("\n")]);
    writeFileSync(join(dir, "latin1.plan"), bytes);
    const r = await cli(["fmt", "--write", "latin1.plan"], dir);
    expect(r.code).toBe(1);
    expect(r.err).toBe("error: `latin1.plan` is not valid UTF-8 (byte 15); fmt does not rewrite it\n");
    expect(readFileSync(join(dir, "latin1.plan"))).toEqual(bytes);
  });

  it("handles binary garbage and empty files", async () => {
    writeFileSync(join(dir, "empty.plan"), "");
    expect(await cli(["fmt", "empty.plan"], dir)).toEqual({ code: 0, out: "", err: "" });
    writeFileSync(join(dir, "bin.plan"), Buffer.from([0x00, 0x01, 0x41, 0x0a]));
    const r = await cli(["fmt", "bin.plan"], dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain("E0001");
  });

  it("exits 2 for missing files, conflicting flags and write failures", async () => {
    expect((await cli(["fmt", "nope.plan"], dir)).code).toBe(2);
    expect(await cli(["fmt", "--check", "--write", "messy.plan"], dir)).toMatchObject({
      code: 2,
      err: "error: invalid --check: use either --check or --write, not both\n",
    });
    const denied = Object.assign(new Error("EROFS"), { code: "EROFS" });
    const r = await cli(["fmt", "--write", "messy.plan"], dir, { fs: { writeFile: () => Promise.reject(denied) } });
    expect(r.code).toBe(2);
    expect(r.err).toBe("error: cannot write `messy.plan`: EROFS\n");
  });
});
