import type { Diagnostic } from "@tradeplan/dsl";
import type { SourceFile } from "../source.js";
import { type CoverageTotals, coverageTotals, type PlanCoverage, percent } from "./coverage.js";
import { describeBar, type Failure } from "./expect.js";
import { countSuite, type FileReport, type SuiteCounts, type SuiteReport } from "./suite.js";

/** Version of the JSON report's shape; bumped on incompatible changes (fields are only added otherwise). */
export const TEST_REPORT_VERSION = 1;

interface JsonLocation {
  file: string;
  line: number;
  column: number;
}

interface JsonProblem {
  code: string;
  message: string;
  hint?: string;
  location: JsonLocation;
}

interface JsonFailure {
  code: string;
  message: string;
  expected: string;
  actual: string;
  location: JsonLocation;
  rule: { id: string; line: number; source: string } | null;
  bar: string | null;
}

export interface JsonTestReport {
  format: "tradeplan/test-report";
  version: typeof TEST_REPORT_VERSION;
  files: {
    file: string;
    plan: string | null;
    errors: JsonProblem[];
    cases: {
      name: string;
      status: string;
      line: number;
      durationMs: number;
      errors: JsonProblem[];
      failures: JsonFailure[];
    }[];
  }[];
  summary: SuiteCounts;
  coverage?: {
    plans: (CoverageTotals & {
      plan: string;
      name: string;
      ruleRate: number;
      conditionRate: number;
      byRule: {
        id: string;
        line: number;
        source: string;
        fired: number;
        conditionTrue: boolean;
        conditionFalse: boolean;
      }[];
    })[];
    totals: CoverageTotals & { ruleRate: number; conditionRate: number };
  };
}

const problem = (d: Diagnostic, file: SourceFile): JsonProblem => ({
  code: d.code,
  message: d.message,
  ...(d.hint !== undefined ? { hint: d.hint } : {}),
  location: { file: file.display, line: d.span.start.line, column: d.span.start.column },
});

function failure(f: Failure, file: FileReport): JsonFailure {
  return {
    code: f.code,
    message: f.message,
    expected: f.expected,
    actual: f.actual,
    location: { file: file.file.display, line: f.span.start.line, column: f.span.start.column },
    rule: f.rule ? { id: f.rule.id, line: f.rule.line, source: f.rule.source } : null,
    bar: f.bar && file.clock ? describeBar(f.bar, file.clock) : null,
  };
}

const rates = (t: CoverageTotals) => ({
  ...t,
  ruleRate: percent(t.rulesFired, t.rules),
  conditionRate: percent(t.conditionsCovered, t.conditions),
});

/** The machine-readable report (`--format json`); `coverage` only when asked for. */
export function jsonTestReport(report: SuiteReport, withCoverage: boolean): JsonTestReport {
  const out: JsonTestReport = {
    format: "tradeplan/test-report",
    version: TEST_REPORT_VERSION,
    files: report.files.map((f) => ({
      file: f.file.display,
      plan: f.planFile?.display ?? null,
      errors: [
        ...f.errors.map((d) => problem(d, f.file)),
        ...(f.planFile ? f.planDiagnostics.map((d) => problem(d, f.planFile as SourceFile)) : []),
      ],
      cases: f.cases.map((c) => ({
        name: c.name,
        status: c.status,
        line: c.span.start.line,
        durationMs: Math.round(c.durationMs * 1000) / 1000,
        errors: c.errors.map((d) => problem(d, f.file)),
        failures: c.failures.map((x) => failure(x, f)),
      })),
    })),
    summary: countSuite(report),
  };
  if (withCoverage) out.coverage = coverageJson(report.coverage);
  return out;
}

function coverageJson(plans: readonly PlanCoverage[]): NonNullable<JsonTestReport["coverage"]> {
  return {
    plans: plans.map((p) => ({
      plan: p.planFile,
      name: p.plan.name,
      ...rates(coverageTotals([p])),
      byRule: p.rules.map((r) => ({
        id: r.rule.id,
        line: r.rule.line,
        source: r.rule.source,
        fired: r.fired,
        conditionTrue: r.conditionTrue,
        conditionFalse: r.conditionFalse,
      })),
    })),
    totals: rates(coverageTotals(plans)),
  };
}

/** XML 1.0 text: escapes markup and drops characters XML cannot hold. */
export function xmlEscape(s: string): string {
  return (
    s
      // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters XML 1.0 forbids.
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "\ufffd")
      .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd")
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&apos;")
  );
}

const secs = (ms: number) => (ms / 1000).toFixed(3);

function problemText(d: Diagnostic, file: SourceFile): string {
  return `${file.display}:${d.span.start.line}:${d.span.start.column}: ${d.code}: ${d.message}${d.hint ? `\nhelp: ${d.hint}` : ""}`;
}

function failureText(f: Failure, file: FileReport): string {
  const lines = [`${f.code}: ${f.message}`];
  if (f.rule && file.planFile) lines.push(`rule: ${file.planFile.display}:${f.rule.line}: ${f.rule.source}`);
  lines.push(`expected: ${f.expected}`, `actual: ${f.actual}`);
  if (f.bar && file.clock) lines.push(`bar: ${describeBar(f.bar, file.clock)}`);
  lines.push(`test: ${file.file.display}:${f.span.start.line}:${f.span.start.column}`);
  return lines.join("\n");
}

/**
 * JUnit XML as GitHub and GitLab test reporters read it: one `<testsuite>`
 * per test file, one `<testcase>` per case (`classname` the file, `file`
 * and `line` where the case is written), `<failure>` for expectations
 * that did not hold, `<error>` for cases (or a whole file, as a case named
 * `(load)`) that could not run, `<skipped/>` for cases `--run` left out.
 */
export function renderJunit(report: SuiteReport): string {
  const n = countSuite(report);
  const total = report.files.reduce((s, f) => s + f.durationMs, 0);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites name="tradeplan" tests="${n.cases + report.files.filter((f) => f.errors.length > 0).length}" failures="${n.failed}" errors="${n.errors}" skipped="${n.skipped}" time="${secs(total)}">`,
  );
  for (const f of report.files) {
    const file = xmlEscape(f.file.display);
    const loadError = f.errors.length > 0;
    const failures = f.cases.filter((c) => c.status === "failed").length;
    const errors = f.cases.filter((c) => c.status === "error").length + (loadError ? 1 : 0);
    const skipped = f.cases.filter((c) => c.status === "skipped").length;
    out.push(
      `  <testsuite name="${file}" tests="${f.cases.length + (loadError ? 1 : 0)}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${secs(f.durationMs)}" file="${file}">`,
    );
    if (loadError) {
      const text = [
        ...f.errors.map((d) => problemText(d, f.file)),
        ...(f.planFile ? f.planDiagnostics.map((d) => problemText(d, f.planFile as SourceFile)) : []),
      ].join("\n");
      const first = f.errors[0]?.message ?? "could not load";
      out.push(`    <testcase classname="${file}" name="(load)" file="${file}" line="1" time="0.000">`);
      out.push(
        `      <error message="${xmlEscape(first)}" type="${f.errors[0]?.code ?? ""}">${xmlEscape(text)}</error>`,
      );
      out.push("    </testcase>");
    }
    for (const c of f.cases) {
      const open = `    <testcase classname="${file}" name="${xmlEscape(c.name)}" file="${file}" line="${c.span.start.line}" time="${secs(c.durationMs)}"`;
      if (c.status === "passed") {
        out.push(`${open}/>`);
        continue;
      }
      out.push(`${open}>`);
      if (c.status === "skipped") out.push("      <skipped/>");
      for (const d of c.errors)
        out.push(
          `      <error message="${xmlEscape(d.message)}" type="${d.code}">${xmlEscape(problemText(d, f.file))}</error>`,
        );
      for (const fl of c.failures)
        out.push(
          `      <failure message="${xmlEscape(fl.message)}" type="${fl.code}">${xmlEscape(failureText(fl, f))}</failure>`,
        );
      out.push("    </testcase>");
    }
    out.push("  </testsuite>");
  }
  out.push("</testsuites>");
  return `${out.join("\n")}\n`;
}
