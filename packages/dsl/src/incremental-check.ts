import type { CallExpr, ConditionRule, Expr, LetDecl, NameExpr, Rule, SessionKind, Statement } from "./ast.js";
import { INDICATORS } from "./checker/indicators.js";
import { createKindChecker, type KindChecker } from "./checker/kinds.js";
import { checkOppositeEntries, checkTrailingStops, createLogicContext, type LogicContext } from "./checker/logic.js";
import { createLookbackChecker, type LookbackChecker } from "./checker/lookback.js";
import { type Constant, checkStatementModifiers, constantsOf, type Fold, foldsOf } from "./checker/modifiers.js";
import { defineLets, findCycles, type NameTable, reportUnused, resolveStatement } from "./checker/names.js";
import { checkStatementTimeframes } from "./checker/timeframes.js";
import { visitExpr } from "./checker/walk.js";
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
 * a statement whose line did not change keeps its results. When the lets
 * change, the new session keeps the results of the statements that cannot
 * notice (see `carry`) and checks the others again. The plan-level
 * checks (unused lets, opposite entries, trailing stops without entries)
 * are cheap and run on every update from the cached per-statement parts.
 */

/** What one statement's checks found, per pass (the pass order decides ties at one offset). */
export interface StatementCheck {
  /** No pass reported anything about this statement. */
  readonly quiet: boolean;
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
  readonly dependence: LetDependence;
}

/** What decides whether a statement's results can outlive a change of the lets (see `CheckSession.carry`). */
interface LetDependence {
  /** Every node of the statement (kinds are copied node by node). */
  readonly nodes: readonly Expr[];
  /** The names it uses (lets or unknown names). */
  readonly names: readonly string[];
  /** It calls an unknown indicator (E0208 says whether a let has that name). */
  readonly unknownCall: boolean;
}

function letDependence(s: Statement): LetDependence {
  const nodes: Expr[] = [];
  const names = new Set<string>();
  let unknownCall = false;
  const stack: unknown[] = [s];
  while (stack.length > 0) {
    const x = stack.pop();
    if (typeof x !== "object" || x === null) continue;
    if (Array.isArray(x)) {
      for (const v of x) stack.push(v);
      continue;
    }
    const type = (x as { type?: unknown }).type;
    // Spans and positions hold no nodes.
    if (typeof type !== "string") continue;
    if (type === "Name") names.add((x as NameExpr).name);
    if (type === "Call" && !INDICATORS.has((x as CallExpr).callee.name)) unknownCall = true;
    nodes.push(x as Expr);
    for (const [k, v] of Object.entries(x)) if (k !== "span") stack.push(v);
  }
  return { nodes, names: [...names], unknownCall };
}

/** The environment a session was built for. */
export interface CheckEnvironment {
  readonly lets: readonly LetDecl[];
  readonly session: SessionKind;
  readonly timezone: string;
  readonly calendar?: string | undefined;
  readonly hours?: { readonly open: string; readonly close: string } | undefined;
}

export function sameEnvironment(a: CheckEnvironment, b: CheckEnvironment): boolean {
  if (a.session !== b.session || a.timezone !== b.timezone || a.lets.length !== b.lets.length) return false;
  if (a.calendar !== b.calendar || a.hours?.open !== b.hours?.open || a.hours?.close !== b.hours?.close) return false;
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
  private readonly fold: Fold;
  private readonly results = new Map<Statement, StatementCheck>();
  private readonly letUses = new Map<Statement, { diagnostics: Diagnostic[]; uses: NameExpr[] }>();
  private readonly defineDiagnostics: Diagnostic[] = [];
  private readonly cycleDiagnostics: Diagnostic[] = [];
  private readonly kindLetDiagnostics: Diagnostic[] = [];
  private readonly lookbackLetDiagnostics: Diagnostic[] = [];

  /** Statements whose results this session took from the previous one. */
  readonly carried = new Set<Statement>();

  /**
   * Builds the environment of `statements` (the same steps, in the same
   * order, as `check`). The results of `previous` for statements that do
   * not depend on the lets are kept when the session and time zone (which
   * windows read) are the same.
   */
  constructor(
    statements: readonly Statement[],
    readonly env: CheckEnvironment,
    barCacheSize: number,
    previous?: CheckSession,
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
    this.fold = foldsOf(this.names);
    if (previous && previous.env.session === env.session && previous.env.timezone === env.timezone) {
      const sameNames =
        previous.letNames.length === this.letNames.length && previous.letNames.every((n, i) => n === this.letNames[i]);
      const stable = sameNames ? this.stableLets(previous) : new Set<LetDecl>();
      for (const s of statements) this.carry(previous, s, sameNames, stable);
    }
  }

  /**
   * Lets whose kind, lookback, value and key are what they were in
   * `previous`: the same statement, not on a cycle then or now, using only
   * such lets (`order` has dependencies first).
   */
  private stableLets(previous: CheckSession): Set<LetDecl> {
    const stable = new Set<LetDecl>();
    for (const d of this.names.order) {
      if (previous.names.lets.get(d.name.name) !== d) continue;
      if (this.names.cyclic.has(d) || previous.names.cyclic.has(d)) continue;
      let ok = true;
      visitExpr(d.value, (e) => {
        if (e.type !== "Name") return;
        const t = this.names.resolved.get(e);
        if (t && !stable.has(t)) ok = false;
      });
      if (ok) stable.add(d);
    }
    return stable;
  }

  /**
   * Keeps `previous`'s results for `s` when they cannot have changed: not a
   * let; and if it uses names or calls an unknown indicator, the let names
   * are the same and every let it names is stable (an unknown name stays
   * unknown, with the same suggestions).
   */
  private carry(previous: CheckSession, s: Statement, sameNames: boolean, stable: ReadonlySet<LetDecl>): void {
    const r = previous.results.get(s);
    if (!r || s.type === "LetDecl" || this.results.has(s)) return;
    const dep = r.dependence;
    if (dep.names.length > 0 || dep.unknownCall) {
      if (!sameNames) return;
      for (const n of dep.names) {
        const d = this.names.lets.get(n);
        if (d && !stable.has(d)) return;
      }
      for (const e of r.uses) this.names.resolved.set(e, this.names.lets.get(e.name) as LetDecl);
    }
    this.results.set(s, r);
    this.kinds.adopt(previous.kinds, dep.nodes);
    if (r.info) this.ruleInfos.set(s as Rule, r.info);
    this.carried.add(s);
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
    const modifiers = pass(() => checkStatementModifiers(s, this.constant, this.fold, this.kinds.table, router));
    const quiet = [named.diagnostics, timeframes, kinds, windows, lookback, logic, modifiers].every(
      (d) => d.length === 0,
    );
    const result: StatementCheck = {
      quiet,
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
      dependence: letDependence(s),
    };
    this.results.set(s, result);
    return result;
  }

  /** Every diagnostic of the checker for `statements` (after the header's), in `check`'s report order. */
  check(statements: readonly Statement[]): CheckOutput {
    const references = new Map<LetDecl, NameExpr[]>();
    for (const d of this.names.lets.values()) references.set(d, []);
    const rules: ConditionRule[] = [];
    const keys: (string | undefined)[] = [];
    // Most statements have no diagnostics: only the others are visited once per pass below.
    const noisy: StatementCheck[] = [];
    for (const s of statements) {
      const r = this.statement(s);
      if (!r.quiet) noisy.push(r);
      for (const e of r.uses) references.get(this.names.resolved.get(e) as LetDecl)?.push(e);
      if (s.type === "ConditionRule") {
        rules.push(s);
        keys.push(r.entryKey);
      }
    }
    const out: Diagnostic[] = [...this.defineDiagnostics];
    const add = (pick: (r: StatementCheck) => readonly Diagnostic[]): void => {
      for (const r of noisy) for (const d of pick(r)) out.push(d);
    };
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
    checkOppositeEntries(rules, keys, plan);
    checkTrailingStops(statements, rules, plan);
    add((r) => r.modifiers);
    return { diagnostics: out, references };
  }
}
