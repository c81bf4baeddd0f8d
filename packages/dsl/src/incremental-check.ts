import type { ConditionRule, LetDecl, NameExpr, Rule, SessionKind, Statement } from "./ast.js";
import { createKindChecker, type KindChecker } from "./checker/kinds.js";
import { checkOppositeEntries, checkTrailingStops, createLogicContext, type LogicContext } from "./checker/logic.js";
import { createLookbackChecker, type LookbackChecker } from "./checker/lookback.js";
import { type Constant, checkStatementModifiers, constantsOf } from "./checker/modifiers.js";
import { defineLets, findCycles, type NameTable, reportUnused, resolveStatement } from "./checker/names.js";
import { checkStatementTimeframes } from "./checker/timeframes.js";
import { checkStatementWindow } from "./checker/windows.js";
import type { Diagnostic } from "./diagnostics.js";
import { ListCollector } from "./incremental-collect.js";
import type { RuleInfo } from "./semantic.js";

/**
 * The checker's passes split into what depends on the whole plan and what
 * one statement decides, for the incremental analyzer.
 *
 * Everything a statement's own checks read besides the statement itself is
 * the "environment": the `let` statements (which names exist, their kinds,
 * lookbacks, constants and structural keys) and the session and time zone
 * (windows). A `CheckSession` computes the environment once and each
 * statement's results once; while the environment stays the same (the same
 * `let` statement objects in the same order, the same session and zone),
 * a statement whose line did not change keeps its results. The plan-level
 * checks (unused lets, opposite entries, trailing stops without entries)
 * are cheap and run on every update from the cached per-statement parts.
 */

/** What one statement's checks found, per pass (the pass order decides ties at one offset). */
export interface StatementCheck {
  readonly names: readonly Diagnostic[];
  /** The names the statement uses that are lets, in source order. */
  readonly uses: readonly NameExpr[];
  readonly timeframes: readonly Diagnostic[];
  readonly kinds: readonly Diagnostic[];
  readonly windows: readonly Diagnostic[];
  readonly lookback: readonly Diagnostic[];
  readonly logic: readonly Diagnostic[];
  readonly modifiers: readonly Diagnostic[];
  readonly info: RuleInfo | undefined;
  /** E0402's key (condition rules that enter). */
  readonly entryKey: string | undefined;
}

/** The environment a session was built for. */
export interface CheckEnvironment {
  readonly lets: readonly LetDecl[];
  readonly session: SessionKind;
  readonly timezone: string;
}

export function sameEnvironment(a: CheckEnvironment, b: CheckEnvironment): boolean {
  if (a.session !== b.session || a.timezone !== b.timezone || a.lets.length !== b.lets.length) return false;
  for (let i = 0; i < a.lets.length; i++) if (a.lets[i] !== b.lets[i]) return false;
  return true;
}

/** The diagnostics of one update, in the order a full `check` reports them. */
export interface CheckOutput {
  readonly diagnostics: Diagnostic[];
  readonly references: ReadonlyMap<LetDecl, readonly NameExpr[]>;
}

export class CheckSession {
  readonly names: NameTable & { readonly resolved: Map<NameExpr, LetDecl> };
  readonly kinds: KindChecker;
  readonly ruleInfos = new Map<Rule, RuleInfo>();
  /** Statements checked by this session, live or not (the analyzer starts a new session when too many are dead). */
  checked = 0;
  /** One collector serves every pass and statement of a session, pointed at the list being filled. */
  private readonly router = new ListCollector();
  private readonly letNames: readonly string[];
  private readonly lookback: LookbackChecker;
  private readonly logic: LogicContext;
  private readonly constant: Constant;
  private readonly results = new Map<Statement, StatementCheck>();
  private readonly letUses = new Map<Statement, { diagnostics: Diagnostic[]; uses: NameExpr[] }>();
  private readonly defineDiagnostics: Diagnostic[] = [];
  private readonly cycleDiagnostics: Diagnostic[] = [];
  private readonly kindLetDiagnostics: Diagnostic[] = [];
  private readonly lookbackLetDiagnostics: Diagnostic[] = [];

  /** Builds the environment of `statements` (the same steps, in the same order, as `check`). */
  constructor(
    statements: readonly Statement[],
    readonly env: CheckEnvironment,
    barCacheSize: number,
  ) {
    const router = this.router;
    router.target = this.defineDiagnostics;
    const lets = defineLets(statements, router);
    this.letNames = [...lets.keys()];
    const resolved = new Map<NameExpr, LetDecl>();
    // Let values are resolved now: the cycle check and every later pass read them.
    for (const s of env.lets) this.letUses.set(s, this.resolve(s, lets, resolved));
    router.target = this.cycleDiagnostics;
    const { cyclic, order } = findCycles(statements, lets, resolved, router);
    this.names = { lets, resolved, references: new Map(), cyclic, order };
    router.target = this.kindLetDiagnostics;
    this.kinds = createKindChecker(this.names, router);
    this.kinds.lets();
    router.target = this.lookbackLetDiagnostics;
    this.lookback = createLookbackChecker(this.names, barCacheSize, router);
    this.lookback.lets();
    this.logic = createLogicContext(this.names, this.kinds.table);
    this.constant = constantsOf(this.names, this.kinds.table);
  }

  private resolve(
    s: Statement,
    lets: ReadonlyMap<string, LetDecl>,
    resolved: Map<NameExpr, LetDecl>,
  ): { diagnostics: Diagnostic[]; uses: NameExpr[] } {
    const diagnostics: Diagnostic[] = [];
    const uses: NameExpr[] = [];
    this.router.target = diagnostics;
    resolveStatement(s, lets, this.letNames, this.router, (e, d) => {
      resolved.set(e, d);
      uses.push(e);
    });
    return { diagnostics, uses };
  }

  /** One statement's results, computed the first time this session sees it. */
  statement(s: Statement): StatementCheck {
    const known = this.results.get(s);
    if (known) return known;
    this.checked++;
    const router = this.router;
    const pass = (run: () => void): Diagnostic[] => {
      const out: Diagnostic[] = [];
      router.target = out;
      run();
      return out;
    };
    const named = this.letUses.get(s) ?? this.resolve(s, this.names.lets, this.names.resolved);
    const timeframes = pass(() => checkStatementTimeframes(s, router));
    const kinds = pass(() => this.kinds.statement(s));
    const windows = pass(() => checkStatementWindow(s, this.env, router));
    let info: RuleInfo | undefined;
    const lookback = pass(() => {
      info = this.lookback.statement(s);
    });
    if (info) this.ruleInfos.set(s as Rule, info);
    const logic = pass(() => {
      if (s.type === "ConditionRule") this.logic.satisfiable(s, router);
    });
    const modifiers = pass(() => checkStatementModifiers(s, this.constant, this.kinds.table, router));
    const result: StatementCheck = {
      names: named.diagnostics,
      uses: named.uses,
      timeframes,
      kinds,
      windows,
      lookback,
      logic,
      modifiers,
      info,
      entryKey: s.type === "ConditionRule" ? this.logic.entryKey(s) : undefined,
    };
    this.results.set(s, result);
    return result;
  }

  /** Every diagnostic of the checker for `statements` (after the header's), in `check`'s report order. */
  check(statements: readonly Statement[]): CheckOutput {
    const results = statements.map((s) => this.statement(s));
    const out: Diagnostic[] = [...this.defineDiagnostics];
    const add = (pick: (r: StatementCheck) => readonly Diagnostic[]): void => {
      for (const r of results) for (const d of pick(r)) out.push(d);
    };

    const references = new Map<LetDecl, NameExpr[]>();
    for (const d of this.names.lets.values()) references.set(d, []);
    for (const r of results) {
      for (const e of r.uses) references.get(this.names.resolved.get(e) as LetDecl)?.push(e);
    }
    add((r) => r.names);
    out.push(...this.cycleDiagnostics);
    const plan = new ListCollector(out);
    reportUnused(references, plan);
    add((r) => r.timeframes);
    out.push(...this.kindLetDiagnostics);
    add((r) => r.kinds);
    add((r) => r.windows);
    out.push(...this.lookbackLetDiagnostics);
    add((r) => r.lookback);
    add((r) => r.logic);
    const rules = statements.filter((s): s is ConditionRule => s.type === "ConditionRule");
    const keys = new Map<ConditionRule, string | undefined>();
    for (let i = 0; i < statements.length; i++) {
      const s = statements[i] as Statement;
      if (s.type === "ConditionRule") keys.set(s, (results[i] as StatementCheck).entryKey);
    }
    checkOppositeEntries(rules, (r) => keys.get(r), plan);
    checkTrailingStops(statements, rules, plan);
    add((r) => r.modifiers);
    return { diagnostics: out, references };
  }
}
