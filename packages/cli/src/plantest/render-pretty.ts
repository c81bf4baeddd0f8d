import type { Diagnostic } from "@tradeplan/dsl";
import pc from "picocolors";
import { renderPretty } from "../render/pretty.js";
import { sanitize } from "../render/text.js";
import type { SourceFile } from "../source.js";
import { coverageTotals, type PlanCoverage, percent } from "./coverage.js";
import { describeBar, type Failure } from "./expect.js";
import { describeRule } from "./rules.js";
import { type CaseReport, countSuite, type FileReport, type SuiteReport } from "./suite.js";
import type { TestClock } from "./times.js";

/** Notes under a frame, aligned with its gutter: ` = expected: ...`. */
function notes(lineNo: number, items: readonly [string, string][], color: boolean): string {
  const c = pc.createColors(color);
  const pad = " ".repeat(String(lineNo).length);
  const width = Math.max(...items.map(([k]) => k.length));
  return items
    .map(
      ([k, v]) => `${pad} ${c.bold(c.blue("="))} ${c.bold(`${k}:`)}${" ".repeat(width - k.length + 1)}${sanitize(v)}\n`,
    )
    .join("");
}

/** One failed expectation: a frame of the rule's line in the plan (or of the expectation), then expected/actual/bar. */
export function renderFailure(f: Failure, file: FileReport, color: boolean): string {
  const clock = file.clock as TestClock;
  const items: [string, string][] = [
    ["expected", f.expected],
    ["actual", f.actual],
  ];
  if (f.bar) items.push(["bar", describeBar(f.bar, clock)]);
  if (f.rule && file.planFile) {
    const d: Diagnostic = {
      code: f.code,
      severity: "error",
      message: f.message,
      span: f.rule.span,
      label: "this rule",
    };
    items.push(["test", `${file.file.display}:${f.span.start.line}:${f.span.start.column}`]);
    return renderPretty(d, file.planFile, { color }) + notes(f.rule.span.start.line, items, color);
  }
  const d: Diagnostic = { code: f.code, severity: "error", message: f.message, span: f.span };
  return renderPretty(d, file.file, { color }) + notes(f.span.start.line, items, color);
}

function renderDiagnostics(ds: readonly Diagnostic[], file: SourceFile, color: boolean): string {
  return ds.map((d) => `${renderPretty(d, file, { color })}\n`).join("");
}

function caseLine(c: CaseReport, color: boolean): string {
  const k = pc.createColors(color);
  const mark = c.status === "passed" ? k.green("✓") : c.status === "failed" ? k.red("✗") : k.red("!");
  const tail = c.status === "error" ? k.red(" (could not run)") : "";
  return `  ${mark} ${sanitize(c.name)}${tail}\n`;
}

/** The human report: per file a status line and its cases, then every problem with its frame, then the summary. */
export function renderSuitePretty(report: SuiteReport, color: boolean): string {
  const k = pc.createColors(color);
  let out = "";
  for (const f of report.files) {
    const bad = f.errors.length > 0 || f.cases.some((c) => c.status === "failed" || c.status === "error");
    const head = bad ? k.bold(k.red("FAIL")) : k.bold(k.green("PASS"));
    const plan = f.plan ? ` (${sanitize(f.plan.name)})` : "";
    // The times of a failure's notes are the plan's local times: say whose.
    const zone = bad && f.clock ? ` — times in ${f.clock.zone}` : "";
    out += `${head} ${f.file.display}${plan}${zone}\n`;
    for (const c of f.cases) if (c.status !== "skipped") out += caseLine(c, color);
    out += renderDiagnostics(f.errors, f.file, color);
    if (f.planFile) out += renderDiagnostics(f.planDiagnostics, f.planFile, color);
    for (const c of f.cases) {
      if (c.errors.length === 0 && c.failures.length === 0) continue;
      out += `\n${k.bold(`── ${sanitize(c.name)} ──`)}\n`;
      out += renderDiagnostics(c.errors, f.file, color);
      for (const fl of c.failures) out += `${renderFailure(fl, f, color)}\n`;
    }
    out += "\n";
  }
  return out + renderSuiteSummary(report, color);
}

/** `tests: 12 passed, 1 failed, 1 error (14 cases in 5 files)`. */
export function renderSuiteSummary(report: SuiteReport, color: boolean): string {
  const k = pc.createColors(color);
  const n = countSuite(report);
  const parts = [k.green(`${n.passed} passed`)];
  if (n.failed > 0) parts.push(k.red(`${n.failed} failed`));
  if (n.errors > 0) parts.push(k.red(`${n.errors} error${n.errors === 1 ? "" : "s"}`));
  if (n.skipped > 0) parts.push(`${n.skipped} skipped`);
  const label = n.failed > 0 || n.errors > 0 ? k.bold(k.red("tests:")) : k.bold(k.green("tests:"));
  return `${label} ${parts.join(", ")} (${n.cases} case${n.cases === 1 ? "" : "s"} in ${n.files} file${n.files === 1 ? "" : "s"})\n`;
}

const pctText = (n: number, of: number) => `${n}/${of}`.padEnd(7) + `${percent(n, of).toFixed(1)}%`.padStart(7);

/**
 * The coverage table: per plan, rules that fired at least once and
 * condition outcomes seen (true and false per rule), then what is missing.
 */
export function renderCoverage(plans: readonly PlanCoverage[], color: boolean): string {
  const k = pc.createColors(color);
  const names = plans.map((p) => p.planFile);
  const w = Math.max(9, ...names.map((n) => n.length));
  let out = `${k.bold("coverage".padEnd(w))}  ${"rules fired".padEnd(14)}  conditions true/false\n`;
  for (const p of plans) {
    const t = coverageTotals([p]);
    out += `${p.planFile.padEnd(w)}  ${pctText(t.rulesFired, t.rules)}  ${pctText(t.conditionsCovered, t.conditions)}\n`;
    for (const r of p.rules) {
      const missing: string[] = [];
      if (r.fired === 0) missing.push("never fired");
      if (!r.conditionTrue) missing.push("condition never true");
      if (!r.conditionFalse) missing.push("condition never false");
      if (missing.length > 0) out += k.yellow(`  ${describeRule(r.rule)}: ${missing.join(", ")}\n`);
    }
  }
  const all = coverageTotals(plans);
  out += `${k.bold("all plans".padEnd(w))}  ${pctText(all.rulesFired, all.rules)}  ${pctText(all.conditionsCovered, all.conditions)}\n`;
  return out;
}
