import { XMLParser, XMLValidator } from "fast-xml-parser";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cli, stripAnsi, tempDir } from "./helpers.js";
import { ENTRY_BARS, type JsonReport, PASSING_CASE, PLAN, writeTree } from "./plantest-fixtures.js";

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

const FAILING_CASE = `  - name: expects the entry one bar early
${ENTRY_BARS}    expect:
      fires:
        - { rule: 6, at: "09:35", action: enter_long }
`;

async function json(args: string[]): Promise<{ code: number; report: JsonReport; err: string }> {
  const r = await cli(["test", "--format", "json", ...args], dir);
  return { code: r.code, report: JSON.parse(r.out) as JsonReport, err: r.err };
}

describe("tradeplan test: running cases", () => {
  it("passes, fails and reports the failure with the rule's frame, the expected and actual signal and the bar", async () => {
    writeTree(dir, { "a.plan": PLAN, "a.plan.test.yaml": `cases:\n${PASSING_CASE}${FAILING_CASE}` });
    const r = await cli(["test", "--no-color", "a.plan.test.yaml"], dir);
    expect(r.code).toBe(1);
    const out = stripAnsi(r.out);
    expect(out).toContain(
      "FAIL a.plan.test.yaml (fixture) — times in America/New_York\n  ✓ enters on the breakout\n  ✗ expects the entry one bar early\n",
    );
    expect(out).toContain(
      [
        "error[T0101]: rule 6 `on 5m close above level with volume > 1M enter long size 100 shares` did not fire at 2024-03-01 09:35",
        " --> a.plan:6:1",
        "  |",
        "6 | on 5m close above level with volume > 1M enter long size 100 shares",
        "  | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ this rule",
        "  = expected: enter_long at 2024-03-01 09:35",
        "  = actual:   NONE: close not above 150.00; the rule fired 1 time, nearest: 2024-03-01 09:40",
        "  = bar:      5m bar 2024-03-01 09:30-09:35: o 149 h 149 l 149 c 149 v 500000",
        "  = test:     a.plan.test.yaml:20:11",
      ].join("\n"),
    );
    expect(out).toContain("tests: 1 passed, 1 failed (2 cases in 1 file)");
  });

  it("an expected time at which the rule's timeframe has no close says so", async () => {
    writeTree(dir, {
      "a.plan": PLAN,
      "a.plan.test.yaml": `cases:\n  - name: x\n${ENTRY_BARS}    expect:\n      fires:\n        - { rule: 6, at: "09:37" }\n`,
    });
    const { report } = await json(["."]);
    expect(report.files[0]?.cases[0]?.failures[0]?.actual).toBe(
      "the rule was not evaluated at 2024-03-01 09:37: no 5m bar closed then; the rule fired 1 time, nearest: 2024-03-01 09:40",
    );
  });

  it("outcomes, no_other_fires and never_fires see the engine's decisions", async () => {
    writeTree(dir, {
      "a.plan": PLAN,
      "a.plan.test.yaml": `cases:
  - name: exit with nothing open, listed with its outcome
    date: 2024-03-01
    bars:
      - { t: "09:30", until: "09:44", c: 144.00, v: 100000 }
    expect:
      fires:
        - { rule: "close below 145", at: "09:45", action: exit_long, outcome: NO_POSITION }
        - { rule: "close below 145", at: "09:45", outcome: suppressed }
      no_other_fires: true
      never_fires: ["trailing stop"]
      final_position: flat
      trades: { max: 0 }
  - name: the same firing is not acted on
    date: 2024-03-01
    bars:
      - { t: "09:30", until: "09:59", c: 144.00, v: 100000 }
    expect:
      fires:
        - { rule: "close below 145", at: "09:45", outcome: acted }
      no_other_fires: true
`,
    });
    const { code, report } = await json(["."]);
    expect(code).toBe(1);
    const [ok, bad] = report.files[0]?.cases ?? [];
    expect(ok?.status).toBe("passed");
    expect(bad?.failures.map((f) => f.code)).toEqual(["T0103", "T0104"]);
    expect(bad?.failures[1]?.message).toBe(
      "rule 8 `on 15m close below 145 exit long` fired at 2024-03-01 10:00, which `fires` does not list",
    );
  });

  it("a starting position is open before the first rule runs; P&L bounds and trade counts", async () => {
    writeTree(dir, {
      "a.plan": PLAN,
      "a.plan.test.yaml": `cases:
  - name: start long, exit below 145
    date: 2024-03-01
    start: { side: long, quantity: 100 }
    bars:
      - { t: "09:30", until: "09:44", c: 144.00, v: 100000 }
      - ["09:45", 144.00, 144.20, 143.80, 144.10, 100000]
    expect:
      fires:
        - { rule: "close below 145", at: "09:45", outcome: acted }
      trades: 2
      pnl: { min: 0 }
      final_position: long
`,
    });
    const { report } = await json(["."]);
    const failures = report.files[0]?.cases[0]?.failures ?? [];
    expect(failures.map((f) => [f.code, f.message])).toEqual([
      ["T0105", "the final position is flat, not long"],
      ["T0106", "1 closed trade, expected 2"],
      ["T0107", "net P&L -$4.88, expected at least $0.00"],
    ]);
    expect(failures[1]?.actual).toBe("long 100 2024-03-01T14:30Z -> 2024-03-01T14:45Z -$4.88");
  });

  it("--run runs only the matching cases; no match is a usage error", async () => {
    writeTree(dir, { "a.plan": PLAN, "a.plan.test.yaml": `cases:\n${PASSING_CASE}${FAILING_CASE}` });
    const only = await json(["--run", "BREAKOUT"]);
    expect(only.code).toBe(0);
    expect(only.report.summary).toMatchObject({ cases: 2, passed: 1, failed: 0, skipped: 1 });
    const none = await cli(["test", "--run", "nothing like it"], dir);
    expect(none.code).toBe(2);
    expect(none.err).toContain("error: no case name contains `nothing like it` (--run)");
  });
});

describe("tradeplan test: coverage", () => {
  it("counts rules fired and conditions seen true and false, summed over cases; --min-coverage gates", async () => {
    writeTree(dir, { "a.plan": PLAN, "a.plan.test.yaml": `cases:\n${PASSING_CASE}` });
    const { report } = await json(["--coverage"]);
    const plan = report.coverage?.plans[0];
    expect(plan?.byRule.map((r) => [r.line, r.fired > 0, r.conditionTrue, r.conditionFalse])).toEqual([
      [6, true, true, true], // 09:35 close 149: false; 09:40: fires
      [7, false, false, true], // the position opens at the 09:40 open; the 1m close at 09:41 holds: false
      [8, false, false, false], // no 15m bar closes
    ]);
    expect(plan).toMatchObject({ rules: 3, rulesFired: 1, conditions: 6, conditionsCovered: 3 });
    const gate = await cli(["test", "--min-coverage", "50", "--no-color"], dir);
    expect(gate.code).toBe(1);
    expect(gate.out).toContain("error: coverage below --min-coverage 50%: rules fired 33.3%, conditions 50.0%");
    expect(gate.out).toContain(
      "rule 8 `on 15m close below 145 exit long`: never fired, condition never true, condition never false",
    );
    expect((await cli(["test", "--min-coverage", "33"], dir)).code).toBe(0);
  });

  it("a condition that holds outside the `between` window counts as true but not fired; warm-up counts as neither", async () => {
    writeTree(dir, {
      "w.plan": 'plan "window"\nsymbol AAPL\n\non 5m close > sma(close, 3) between 10:00 and 11:00 enter long\n',
      "w.plan.test.yaml": `cases:
  - name: rising before 10:00
    date: 2024-03-01
    bars:
      - { t: "09:30", until: "09:49", c: [100, 102], v: 1000 }
    expect:
      never_fires: [4]
`,
    });
    const { code, report } = await json(["--coverage"]);
    expect(code).toBe(0);
    expect(report.coverage?.plans[0]?.byRule[0]).toMatchObject({
      fired: 0,
      conditionTrue: true,
      conditionFalse: false,
    });
  });

  it("a condition that holds below the rule's confidence floor counts as true but not fired", async () => {
    writeTree(dir, {
      "c.plan": 'plan "floor"\nsymbol AAPL\n\non 5m close > 100 enter long confidence high\n',
      "c.plan.test.yaml": `cases:
  - name: flat above 100 on flat volume scores 0.5, under the floor 0.7
    date: 2024-03-01
    bars:
      - { t: "09:30", until: "11:29", c: 101, v: 1000 }
    expect:
      never_fires: [4]
`,
    });
    const { code, report } = await json(["--coverage"]);
    expect(code).toBe(0);
    expect(report.coverage?.plans[0]?.byRule[0]).toMatchObject({
      fired: 0,
      conditionTrue: true,
      conditionFalse: false,
    });
  });

  it("a trailing stop with no position is idle, not false", async () => {
    writeTree(dir, {
      "a.plan": PLAN,
      "a.plan.test.yaml": `cases:\n  - name: flat\n    date: 2024-03-01\n    bars:\n      - { t: "09:30", until: "09:38", c: 149, v: 1 }\n    expect:\n      trades: 0\n`,
    });
    const { report } = await json(["--coverage"]);
    expect(report.coverage?.plans[0]?.byRule.find((r) => r.line === 7)).toMatchObject({
      fired: 0,
      conditionTrue: false,
      conditionFalse: false,
    });
  });
});

describe("tradeplan test: machine formats", () => {
  it("JUnit XML is well-formed and has one testsuite per file, one testcase per case, failures and errors", async () => {
    writeTree(dir, {
      "a.plan": PLAN,
      "a.plan.test.yaml": `cases:\n${PASSING_CASE}${FAILING_CASE}  - name: bad <rule> & "quotes"\n${ENTRY_BARS}    expect:\n      never_fires: [99]\n`,
      "b.plan.test.yaml": "cases: [",
    });
    const r = await cli(["test", "--format", "junit"], dir);
    expect(r.code).toBe(2);
    expect(XMLValidator.validate(r.out)).toBe(true);
    const doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: "",
      isArray: (n) => ["testsuite", "testcase"].includes(n),
    }).parse(r.out) as {
      testsuites: {
        tests: string;
        failures: string;
        errors: string;
        testsuite: {
          name: string;
          testcase: {
            name: string;
            line: string;
            failure?: { type: string };
            error?: { type: string; "#text": string };
          }[];
        }[];
      };
    };
    expect(doc.testsuites).toMatchObject({ tests: "4", failures: "1", errors: "2" });
    const [a, b] = doc.testsuites.testsuite;
    expect(a?.name).toBe("a.plan.test.yaml");
    expect(a?.testcase.map((c) => [c.name, c.line, c.failure?.type ?? c.error?.type ?? "ok"])).toEqual([
      ["enters on the breakout", "2", "ok"],
      ["expects the entry one bar early", "12", "T0101"],
      ['bad <rule> & "quotes"', "21", "T0005"],
    ]);
    expect(b?.testcase[0]?.name).toBe("(load)");
    expect(b?.testcase[0]?.error?.["#text"]).toContain("b.plan.test.yaml:1:");
    expect(r.err).toContain("tests: 1 passed, 1 failed, 2 errors (3 cases in 2 files)");
  });

  it("the JSON report has a stable envelope", async () => {
    writeTree(dir, { "a.plan": PLAN, "a.plan.test.yaml": `cases:\n${PASSING_CASE}` });
    const { report } = await json([]);
    expect(report).toMatchObject({
      format: "tradeplan/test-report",
      version: 1,
      files: [
        {
          file: "a.plan.test.yaml",
          plan: "a.plan",
          errors: [],
          cases: [{ name: "enters on the breakout", status: "passed", line: 2 }],
        },
      ],
      summary: { files: 1, cases: 1, passed: 1, failed: 0, errors: 0, skipped: 0 },
    });
    expect(report.coverage).toBeUndefined();
  });
});
