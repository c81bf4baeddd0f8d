import type { CompiledPlan, Diagnostic, Span } from "@tradeplan/dsl";
import type { CliIO } from "../io.js";
import { displayPath, type SourceFile, sourceFile } from "../source.js";
import { TEST_CODES } from "./codes.js";
import { emptyCoverage, type PlanCoverage } from "./coverage.js";
import { checkExpectations, type Failure } from "./expect.js";
import { type BindPlan, type LoadedFile, loadTestFile, SuiteAbort } from "./load.js";
import { CaseRunError, runCase } from "./run-case.js";
import type { TestClock } from "./times.js";

export type CaseStatus = "passed" | "failed" | "error" | "skipped";

export interface CaseReport {
  readonly name: string;
  readonly status: CaseStatus;
  /** Where the case's name is written. */
  readonly span: Span;
  readonly failures: readonly Failure[];
  /** Why the case could not run (located in the test file). */
  readonly errors: readonly Diagnostic[];
  readonly durationMs: number;
}

export interface FileReport {
  readonly file: SourceFile;
  readonly planFile?: SourceFile;
  readonly plan?: CompiledPlan;
  readonly clock?: TestClock;
  /** Problems with the whole file (located in the test file). */
  readonly errors: readonly Diagnostic[];
  /** The plan's own errors, when it has any (located in the plan). */
  readonly planDiagnostics: readonly Diagnostic[];
  readonly cases: readonly CaseReport[];
  readonly durationMs: number;
}

export interface SuiteReport {
  readonly files: readonly FileReport[];
  /** One entry per plan that at least one case ran, in the order first run. */
  readonly coverage: readonly PlanCoverage[];
}

export interface SuiteOptions {
  /** Only cases whose name contains this (case-insensitive) run; the others are skipped. */
  readonly run?: string;
  /** A clock for durations (injected so that tests need not read the real one). */
  readonly now?: () => number;
  /** Binds `--set` values to each plan's params; what it throws stops the suite (it is not one file's problem). */
  readonly bind?: BindPlan;
}

const none: Span = { start: { offset: 0, line: 1, column: 1 }, end: { offset: 0, line: 1, column: 1 } };

/**
 * Loads and runs every test file, one case at a time. A file or case that
 * cannot be loaded is reported and the others still run.
 */
export async function runSuite(paths: readonly string[], io: CliIO, options: SuiteOptions = {}): Promise<SuiteReport> {
  const now = options.now ?? (() => performance.now());
  const files: FileReport[] = [];
  const coverage = new Map<string, PlanCoverage>();
  const filter = options.run?.toLowerCase();
  for (const path of paths) {
    const t0 = now();
    let loaded: LoadedFile;
    try {
      loaded = await loadTestFile(path, io, options.bind);
    } catch (e) {
      if (e instanceof SuiteAbort) throw e.reason;
      // Only an unreadable test file gets here (readSource's UsageError).
      const message = e instanceof Error ? e.message : String(e);
      files.push({
        file: sourceFile(path, io.cwd, ""),
        errors: [{ code: TEST_CODES.planMissing, severity: "error", message, span: none }],
        planDiagnostics: [],
        cases: [],
        durationMs: now() - t0,
      });
      continue;
    }
    const cases: CaseReport[] = [];
    for (const c of loaded.cases) {
      const c0 = now();
      const base = { name: c.name, span: c.span };
      if (filter !== undefined && !c.name.toLowerCase().includes(filter)) {
        cases.push({ ...base, status: "skipped", failures: [], errors: [], durationMs: 0 });
        continue;
      }
      const { plan, clock, planFile } = loaded;
      if (!c.prepared || !plan || !clock || !planFile) {
        cases.push({ ...base, status: "error", failures: [], errors: c.errors, durationMs: now() - c0 });
        continue;
      }
      let cov = coverage.get(planFile.path);
      if (!cov) {
        cov = emptyCoverage(plan, planFile.display);
        coverage.set(planFile.path, cov);
      }
      try {
        const run = await runCase(plan, c.prepared, cov);
        const bars = c.prepared.bars;
        if (run.rejected.length > 0 && bars.kind === "csv") {
          const shown = run.rejected
            .slice(0, 5)
            .map((r) => `${displayPath(r.file, io.cwd)}:${r.line}: ${r.reason}`)
            .join("; ");
          const more = run.rejected.length > 5 ? ` and ${run.rejected.length - 5} more` : "";
          const error: Diagnostic = {
            code: TEST_CODES.badCsv,
            severity: "error",
            message: `${run.rejected.length} row${run.rejected.length === 1 ? "" : "s"} of \`${bars.display}\` rejected: ${shown}${more}`,
            span: bars.span,
            hint: "test data must be clean: fix or drop the rows",
          };
          cases.push({ ...base, status: "error", failures: [], errors: [error], durationMs: now() - c0 });
          continue;
        }
        const failures = checkExpectations(plan, c.prepared, run, clock);
        cases.push({
          ...base,
          status: failures.length > 0 ? "failed" : "passed",
          failures,
          errors: [],
          durationMs: now() - c0,
        });
      } catch (e) {
        if (!(e instanceof CaseRunError)) throw e;
        const bars = c.prepared.bars;
        const span = bars.kind === "csv" ? bars.span : c.span;
        const message = bars.kind === "csv" ? e.message.split(bars.path).join(bars.display) : e.message;
        const error: Diagnostic = {
          code: e.kind === "csv" ? TEST_CODES.badCsv : TEST_CODES.runFailed,
          severity: "error",
          message,
          span,
        };
        cases.push({ ...base, status: "error", failures: [], errors: [error], durationMs: now() - c0 });
      }
    }
    files.push({
      file: loaded.file,
      errors: loaded.errors,
      planDiagnostics: loaded.planDiagnostics,
      cases,
      durationMs: now() - t0,
      ...(loaded.planFile ? { planFile: loaded.planFile } : {}),
      ...(loaded.plan ? { plan: loaded.plan } : {}),
      ...(loaded.clock ? { clock: loaded.clock } : {}),
    });
  }
  return { files, coverage: [...coverage.values()] };
}

export interface SuiteCounts {
  readonly files: number;
  readonly cases: number;
  readonly passed: number;
  readonly failed: number;
  /** Cases that could not run, plus files that could not load. */
  readonly errors: number;
  readonly skipped: number;
}

export function countSuite(report: SuiteReport): SuiteCounts {
  let cases = 0;
  let passed = 0;
  let failed = 0;
  let errors = 0;
  let skipped = 0;
  for (const f of report.files) {
    if (f.errors.length > 0) errors++;
    for (const c of f.cases) {
      cases++;
      if (c.status === "passed") passed++;
      else if (c.status === "failed") failed++;
      else if (c.status === "error") errors++;
      else skipped++;
    }
  }
  return { files: report.files.length, cases, passed, failed, errors, skipped };
}
