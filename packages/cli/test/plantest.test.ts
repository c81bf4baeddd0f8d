import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { nodeFileSystem } from "../src/io.js";
import { cli, stripAnsi, tempDir } from "./helpers.js";
import { ENTRY_BARS, type JsonReport, PASSING_CASE, PLAN, writeTree } from "./plantest-fixtures.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

async function runJson(files: Record<string, string>, args: string[] = ["."]) {
  writeTree(dir, files);
  const r = await cli(["test", "--format", "json", ...args], dir);
  return { ...r, report: JSON.parse(r.out) as JsonReport };
}

const GOOD = { "good.plan": PLAN, "good.plan.test.yaml": `cases:\n${PASSING_CASE}` };

describe("tradeplan test: bad test files get a precise message and the other tests still run", () => {
  it("malformed YAML: T0001 at the line and column, the good file still passes, exit 2", async () => {
    const { code, report } = await runJson({
      ...GOOD,
      "bad.plan": PLAN,
      "bad.plan.test.yaml": 'cases:\n  - name: "broken\n    bars: [1, 2\n',
    });
    expect(code).toBe(2);
    const bad = report.files.find((f) => f.file === "bad.plan.test.yaml");
    expect(bad?.errors[0]?.code).toBe("T0001");
    expect(bad?.errors[0]?.message).toMatch(/^invalid YAML: /);
    expect(bad?.errors[0]?.location.file).toBe("bad.plan.test.yaml");
    expect(bad?.errors[0]?.location.line).toBeGreaterThanOrEqual(2);
    expect(report.files.find((f) => f.file === "good.plan.test.yaml")?.cases[0]?.status).toBe("passed");
  });

  it("an unknown key: T0002 names the key and points at it", async () => {
    const { code, report } = await runJson({
      "a.plan": PLAN,
      "a.plan.test.yaml": `cases:\n${PASSING_CASE}      firez: []\n`,
    });
    expect(code).toBe(2);
    const e = report.files[0]?.cases[0]?.errors[0];
    expect(e?.code).toBe("T0002");
    expect(e?.message).toBe("unknown key `firez` in `cases[0].expect`");
    expect(e?.location).toEqual({ file: "a.plan.test.yaml", line: 12, column: 7 });
  });

  it("an unknown top-level key and a missing `cases`", async () => {
    const { report } = await runJson({ "a.plan": PLAN, "a.plan.test.yaml": "plans: a.plan\n" });
    const messages = report.files[0]?.errors.map((e) => e.message);
    expect(messages).toContain("unknown key `plans` at the top level");
    expect(messages).toContain("missing `cases` at the top level");
  });

  it("wrong types and values name the path", async () => {
    const { report } = await runJson({
      "a.plan": PLAN,
      "a.plan.test.yaml": `cases:\n  - name: x\n${ENTRY_BARS}    expect:\n      trades: -1\n      fires:\n        - { rule: 6, at: "9.35" }\n`,
    });
    const errors = report.files[0]?.cases[0]?.errors ?? [];
    expect(errors.map((e) => [e.message, e.location.line])).toEqual([
      ["`cases[0].expect.fires[0].at` must be a time such as `2024-03-01 09:35` or `09:35`", 11],
      ["`cases[0].expect.trades` must be 0 or more", 9],
    ]);
  });

  it("a missing `expect` says so", async () => {
    const { report } = await runJson({ "a.plan": PLAN, "a.plan.test.yaml": `cases:\n  - name: x\n${ENTRY_BARS}` });
    expect(report.files[0]?.cases[0]?.errors[0]?.message).toBe("missing `expect` in `cases[0]`");
  });

  it("a rule that does not exist: T0005 with the rule lines as help, the other case still runs", async () => {
    const { code, report, err } = await runJson({
      "a.plan": PLAN,
      "a.plan.test.yaml": `cases:\n${PASSING_CASE}  - name: names a missing rule\n${ENTRY_BARS}    expect:\n      never_fires: ["close above 999", 42, r99]\n`,
    });
    expect(code).toBe(2);
    const [first, second] = report.files[0]?.cases ?? [];
    expect(first?.status).toBe("passed");
    expect(second?.status).toBe("error");
    expect(second?.errors.map((e) => [e.code, e.message, e.location.line])).toEqual([
      ["T0005", "no rule contains the text `close above 999`", 19],
      ["T0005", "no rule on line 42 of the plan", 19],
      ["T0005", "no rule has the id `r99`", 19],
    ]);
    expect(second?.errors.map((e) => e.location.column)).toEqual([21, 40, 44]);
    expect(second?.errors[1]?.hint).toBe("the rules are on lines 6, 7, 8");
    expect(err).toContain("1 passed, 1 error");
  });

  it("an ambiguous piece of rule text asks for more", async () => {
    const { report } = await runJson({
      "a.plan": PLAN,
      "a.plan.test.yaml": `cases:\n  - name: x\n${ENTRY_BARS}    expect:\n      never_fires: ["on "]\n`,
    });
    expect(report.files[0]?.cases[0]?.errors[0]?.message).toBe("`on` matches 3 rules (lines 6, 7, 8)");
  });

  it("bars out of order: T0006 at the row, with both times", async () => {
    const { code, report } = await runJson({
      "a.plan": PLAN,
      "a.plan.test.yaml": `cases:\n  - name: x\n    date: 2024-03-01\n    bars:\n      - ["09:31", 150, 150, 150, 150, 1000]\n      - ["09:30", 150, 150, 150, 150, 1000]\n    expect:\n      trades: 0\n`,
    });
    expect(code).toBe(2);
    const e = report.files[0]?.cases[0]?.errors[0];
    expect(e?.code).toBe("T0006");
    expect(e?.message).toBe("bar row 2: its bar (2024-03-01 09:30) is before the previous bar (2024-03-01 09:31)");
    expect(e?.location.line).toBe(6);
  });

  it("bad bar rows: high below low, a short row, an impossible time, a time without a date", async () => {
    const { report } = await runJson({
      "a.plan": PLAN,
      "a.plan.test.yaml": `cases:\n  - name: x\n    bars:\n      - ["2024-03-01 09:30", 150, 149, 151, 150, 1000]\n      - ["2024-03-01 09:31", 150, 151]\n      - { t: "2024-02-30 09:32", o: 1, h: 1, l: 1, c: 1, v: 1 }\n      - { t: "09:33", until: "09:40", c: 1, v: 1 }\n    expect:\n      trades: 0\n`,
    });
    const errors = report.files[0]?.cases[0]?.errors ?? [];
    expect(errors.map((e) => [e.message, e.location.line])).toEqual([
      ["`cases[0].bars[1]` must be [time, open, high, low, close, volume]", 5],
      ["bar row 3: `2024-02-30 09:32` is not a real date and time", 6],
    ]);
    // Rows are validated before the CSV reader sees them; the first round stops at shape and time problems.
    const { report: r2 } = await runJson(
      {
        "b.plan": PLAN,
        "b.plan.test.yaml": `cases:\n  - name: y\n    bars:\n      - ["2024-03-01 09:30", 150, 149, 151, 150, 1000]\n      - { t: "09:33", c: 1, v: 1, until: "09:40" }\n    expect:\n      trades: 0\n`,
      },
      ["b.plan.test.yaml"],
    );
    expect(r2.files[0]?.cases[0]?.errors.map((e) => [e.message, e.location.line])).toEqual([
      ["bar row 1: high 149 is below low 151", 4],
    ]);
    const { report: r3 } = await runJson(
      {
        "c.plan": PLAN,
        "c.plan.test.yaml": `cases:\n  - name: z\n    bars:\n      - { t: "09:33", until: "09:40", c: 1, v: 1 }\n    expect:\n      trades: 0\n`,
      },
      ["c.plan.test.yaml"],
    );
    expect(r3.files[0]?.cases[0]?.errors[0]?.message).toBe(
      "bar row 1: `09:33` has no date: write `YYYY-MM-DD 09:33` or give the case a `date`",
    );
  });

  it("a test file for a plan with errors: T0004 plus the plan's own diagnostics", async () => {
    const { code, report, out } = await (async () => {
      const j = await runJson({
        "broken.plan": 'plan "b"\nsymbol AAPL\n\non 5m close above brekout enter long\n',
        "broken.plan.test.yaml": `cases:\n${PASSING_CASE}`,
      });
      const pretty = await cli(["test", "--no-color", "."], dir);
      return { ...j, out: pretty.out };
    })();
    expect(code).toBe(2);
    expect(report.files[0]?.errors.map((e) => [e.code, e.location.file])).toEqual([
      ["T0004", "broken.plan.test.yaml"],
      ["E0201", "broken.plan"],
    ]);
    expect(report.files[0]?.errors[0]?.message).toBe("the plan `broken.plan` has 1 error; no case was run");
    expect(stripAnsi(out)).toContain("error[E0201]: unknown name `brekout`\n --> broken.plan:4:19");
  });

  it("a missing plan: T0003 names it; `plan:` points elsewhere", async () => {
    const { report } = await runJson({
      "orphan.plan.test.yaml": `cases:\n${PASSING_CASE}`,
      "t/other.plan.test.yaml": `plan: ../nowhere.plan\ncases:\n${PASSING_CASE}`,
    });
    const byFile = Object.fromEntries(report.files.map((f) => [f.file, f.errors[0]]));
    expect(byFile["orphan.plan.test.yaml"]?.message).toBe("the plan `orphan.plan` cannot be read: no such file");
    expect(byFile["t/other.plan.test.yaml"]?.message).toBe("the plan `nowhere.plan` cannot be read: no such file");
    expect(byFile["t/other.plan.test.yaml"]?.location.line).toBe(1);
  });

  it("a missing CSV: T0007 at the `csv` key; a CSV with bad rows too", async () => {
    const { code, report } = await runJson({
      "a.plan": PLAN,
      "data/bad.csv":
        "Date,Time,Open,High,Low,Close,Volume\n2024-03-01,09:30,150,151,149,150,1000\n2024-03-01,09:31,150,149,151,150,1000\n",
      "a.plan.test.yaml": `cases:\n  - name: missing\n    bars: { csv: data/none.csv }\n    expect:\n      trades: 0\n  - name: bad rows\n    bars: { csv: data/bad.csv }\n    expect:\n      trades: 0\n`,
    });
    expect(code).toBe(2);
    const [missing, bad] = report.files[0]?.cases ?? [];
    expect(missing?.errors[0]?.code).toBe("T0007");
    expect(missing?.errors[0]?.message).toBe(
      "data/none.csv: cannot read the file: ENOENT: no such file or directory, open 'data/none.csv'",
    );
    expect(missing?.errors[0]?.location).toEqual({ file: "a.plan.test.yaml", line: 3, column: 18 });
    expect(bad?.errors[0]?.message).toBe("1 row of `data/bad.csv` rejected: data/bad.csv:3: high 149 is below low 151");
  });

  it("an unreadable test file: T0003, the others still run", async () => {
    writeTree(dir, { ...GOOD, "locked.plan": PLAN, "locked.plan.test.yaml": `cases:\n${PASSING_CASE}` });
    const r = await cli(["test", "--format", "json"], dir, {
      fs: {
        readFile: async (p) => {
          if (p.endsWith("locked.plan.test.yaml")) throw Object.assign(new Error("denied"), { code: "EACCES" });
          return nodeFileSystem.readFile(p);
        },
      },
    });
    expect(r.code).toBe(2);
    const report = JSON.parse(r.out) as JsonReport;
    expect(report.files.map((f) => [f.file, f.errors[0]?.message ?? "ok"])).toEqual([
      ["good.plan.test.yaml", "ok"],
      ["locked.plan.test.yaml", "cannot read `locked.plan.test.yaml`: permission denied"],
    ]);
    expect(report.files[1]?.errors[0]?.code).toBe("T0003");
  });

  it("a symbol the plan does not trade: T0008", async () => {
    const { report } = await runJson({
      "a.plan": PLAN,
      "a.plan.test.yaml": `symbol: MSFT\ncases:\n${PASSING_CASE}`,
    });
    expect(report.files[0]?.cases[0]?.errors[0]).toMatchObject({
      code: "T0008",
      message: "the plan trades AAPL, not MSFT",
      location: { line: 1 },
    });
  });
});

describe("tradeplan test: paths and usage", () => {
  it("a plan argument runs its sibling test file; a plan without one is an error, the rest still runs", async () => {
    writeTree(dir, { ...GOOD, "lonely.plan": PLAN });
    const r = await cli(["test", "good.plan", "lonely.plan", "nowhere"], dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain("error: `lonely.plan` has no test file: create `lonely.plan.test.yaml`");
    expect(r.err).toContain("error: `nowhere`: no such file or directory");
    expect(r.out).toContain("tests: 1 passed (1 case in 1 file)");
  });

  it("no arguments: the working directory, searched recursively (node_modules skipped)", async () => {
    writeTree(dir, {
      "plans/good.plan": PLAN,
      "plans/good.plan.test.yaml": `cases:\n${PASSING_CASE}`,
      "node_modules/x/x.plan.test.yaml": "not: [valid",
    });
    const r = await cli(["test"], dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain("PASS plans/good.plan.test.yaml (fixture)");
  });

  it("a directory without test files, and bad flags, are usage errors", async () => {
    writeTree(dir, { "a.plan": PLAN });
    expect((await cli(["test", "."], dir)).err).toContain("error: no *.plan.test.yaml files in `.`");
    writeTree(dir, GOOD);
    const bad = await cli(["test", "--min-coverage", "120"], dir);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("error: invalid --min-coverage: must be a number from 0 to 100");
    const fmt = await cli(["test", "--format", "xml"], dir);
    expect(fmt.code).toBe(2);
  });
});
