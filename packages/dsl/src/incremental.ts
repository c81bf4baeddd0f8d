import { type AnalyzeOptions, type AnalyzeResult, analyze } from "./analyze.js";
import type { Comment, LetDecl, NameExpr, PlanFile, Rule, Statement } from "./ast.js";
import { checkHeader } from "./checker/header.js";
import { type CheckOptions, validateOptions } from "./checker/options.js";
import { type Diagnostic, DiagnosticCollector, MAX_DIAGNOSTICS } from "./diagnostics.js";
import { CheckSession, sameEnvironment } from "./incremental-check.js";
import { ListCollector } from "./incremental-collect.js";
import { assemblePlan, compileRule, type RuleOutput, ruleFailures } from "./incremental-compile.js";
import { LineCache } from "./incremental-lines.js";
import { MAX_SOURCE_CHARS } from "./lexer.js";
import { LineIndex } from "./line-index.js";
import type { SemanticModel } from "./semantic.js";

/**
 * Analyses successive versions of one document, reusing what did not
 * change: each result equals `analyze(source, options)` — the same AST,
 * diagnostics in the same order, the same semantic model and compiled plan.
 *
 * Results share objects with later results: an AST node of an unchanged
 * line is the same object in both, and its positions move in place when
 * lines above it change. Read only the newest result.
 */
export interface IncrementalAnalyzer {
  update(source: string): AnalyzeResult;
  /** What the last update did, for tests and benchmarks. */
  readonly stats: IncrementalStats;
}

export interface IncrementalStats {
  /** Lines parsed (the others were reused). */
  readonly linesParsed: number;
  /** Statements whose checks ran (the others were reused). */
  readonly statementsChecked: number;
  /**
   * The checker's environment (lets, session, time zone) changed: the lets and the statements that use names
   * were checked again (every statement when the session or time zone changed).
   */
  readonly newSession: boolean;
  /** The update ran the full `analyze` (the plan has too many problems for the cap to be reproduced). */
  readonly fullAnalyze: boolean;
}

const ZERO = { offset: 0, line: 1, column: 1 };

/**
 * Creates an incremental analyzer for one document.
 *
 * @throws RangeError when `options` are malformed, as `analyze` does.
 */
export function createIncrementalAnalyzer(options: AnalyzeOptions = {}): IncrementalAnalyzer {
  const checkOptions = validateOptions(options);
  return new Incremental(options, checkOptions);
}

class Incremental implements IncrementalAnalyzer {
  private readonly lines = new LineCache();
  private session: CheckSession | undefined;
  private compiled = new Map<Rule, RuleOutput>();
  /** Counts updates, so that a lazily compiled plan is never built from a newer state than its result's. */
  private generation = 0;
  stats: IncrementalStats = { linesParsed: 0, statementsChecked: 0, newSession: false, fullAnalyze: false };

  constructor(
    private readonly options: AnalyzeOptions,
    private readonly checkOptions: CheckOptions,
  ) {}

  update(source: string): AnalyzeResult {
    const generation = ++this.generation;
    // Past the size limit `analyze` reports E0009 and parses nothing; splitting such a file into lines would not.
    if (source.length > MAX_SOURCE_CHARS)
      return this.full(source, { linesParsed: 0, statementsChecked: 0, newSession: false });
    const index = new LineIndex(source);
    const lines = this.lines.update(index);
    const statements: Statement[] = [];
    const comments: Comment[] = [];
    const diagnostics: Diagnostic[] = [];
    for (const l of lines) {
      if (l.statement) statements.push(l.statement);
      for (const c of l.comments) comments.push(c);
      for (const d of l.diagnostics) diagnostics.push(d);
    }
    // Past the cap, which diagnostics are kept and where parsing stopped depend on the whole-file order: not worth
    // reproducing for a file that broken.
    if (diagnostics.length >= MAX_DIAGNOSTICS) {
      return this.full(source, { linesParsed: this.lines.parsed, statementsChecked: 0, newSession: false });
    }
    const end = index.position(source.length);
    const ast: PlanFile = { type: "PlanFile", statements, comments, span: { start: ZERO, end } };

    const headerDiagnostics: Diagnostic[] = [];
    const settings = checkHeader(ast, new ListCollector(headerDiagnostics), this.checkOptions);
    const env = {
      lets: statements.filter((s): s is LetDecl => s.type === "LetDecl"),
      session: settings.session,
      timezone: settings.timezone,
      calendar: settings.calendar,
      hours: settings.hours,
    };
    let session = this.session;
    const fresh = !session || !sameEnvironment(session.env, env) || session.checked > 2 * statements.length + 1000;
    if (!session || fresh) {
      session = new CheckSession(statements, env, this.checkOptions.barCacheSize, this.session);
      this.session = session;
      // A rule's function depends on the lets exactly when its checks do.
      const compiled = new Map<Rule, RuleOutput>();
      for (const [rule, out] of this.compiled) if (session.carried.has(rule)) compiled.set(rule, out);
      this.compiled = compiled;
    }
    const before = session.checked;
    const checked = session.check(statements);
    const stats = {
      linesParsed: this.lines.parsed,
      statementsChecked: session.checked - before,
      newSession: fresh,
      fullAnalyze: false,
    };

    const all = diagnostics.concat(headerDiagnostics, checked.diagnostics);
    const s = session;
    const none: readonly NameExpr[] = [];
    const semantic: SemanticModel = {
      settings,
      kindOf: (e) => s.kinds.table.kindOf(e),
      lets: s.names.lets,
      resolve: (e) => s.names.resolved.get(e),
      references: (decl) => checked.references.get(decl) ?? none,
      ruleInfo: (rule) => s.ruleInfos.get(rule),
    };

    const output = (r: Rule): RuleOutput => this.ruleOutput(r, semantic);
    let compiles = false;
    if (this.options.compile !== false && !all.some((d) => d.severity === "error")) {
      const failures = ruleFailures(statements, output);
      for (const d of failures) all.push(d);
      compiles = failures.length === 0;
    }
    if (all.length >= MAX_DIAGNOSTICS) return this.full(source, stats);
    this.stats = stats;
    const collector = new DiagnosticCollector();
    for (const d of all) collector.report(d);
    const result: AnalyzeResult = { ast, diagnostics: collector.toArray(), semantic };
    if (compiles) {
      // Assembling the plan (and hashing the source) costs more than the rest of a keystroke, and an editor
      // rarely reads it: it is built on first access, from this update's state.
      Object.defineProperty(result, "compiled", {
        enumerable: true,
        configurable: true,
        get: () => {
          if (generation !== this.generation) {
            throw new Error("incremental analysis: `compiled` of an older result read after a newer update");
          }
          const plan = assemblePlan(statements, output, semantic, source);
          Object.defineProperty(result, "compiled", { value: plan, enumerable: true });
          return plan;
        },
      });
    }
    return result;
  }

  /** The plan has too many problems for the cap to be reproduced: the whole-file `analyze` decides. */
  private full(source: string, stats: Omit<IncrementalStats, "fullAnalyze">): AnalyzeResult {
    this.stats = { ...stats, fullAnalyze: true };
    return analyze(source, this.options);
  }

  private ruleOutput(rule: Rule, model: SemanticModel): RuleOutput {
    let out = this.compiled.get(rule);
    if (!out) {
      out = compileRule(rule, model);
      this.compiled.set(rule, out);
    }
    return out;
  }
}
