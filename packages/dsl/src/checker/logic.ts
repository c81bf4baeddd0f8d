import type {
  CompareExpr,
  CompareOp,
  ConditionRule,
  Expr,
  LetDecl,
  NameExpr,
  PlanFile,
  Span,
  Statement,
} from "../ast.js";
import type { DiagnosticCollector } from "../diagnostics.js";
import { constantValue, letConstants } from "./constant.js";
import type { KindTable } from "./kinds.js";
import type { NameTable } from "./names.js";
import { letKeys, shortExpr, structuralKey } from "./print.js";
import { unparen } from "./walk.js";

/**
 * Rule logic: a condition that can never hold (E0401), opposite entries on
 * the same condition (E0402), a trailing stop without any entry (E0403).
 */
export function checkLogic(ast: PlanFile, names: NameTable, kinds: KindTable, diagnostics: DiagnosticCollector): void {
  const rules = ast.statements.filter((s): s is ConditionRule => s.type === "ConditionRule");
  const logic = createLogicContext(names, kinds);
  for (const r of rules) logic.satisfiable(r, diagnostics);
  checkOppositeEntries(
    rules,
    rules.map((r) => logic.entryKey(r)),
    diagnostics,
  );
  checkTrailingStops(ast.statements, rules, diagnostics);
}

/**
 * What the per-rule logic checks need from the lets (their structural keys
 * and constant values), computed once; the incremental analyzer keeps it
 * while the lets do not change and runs the per-rule parts per statement.
 */
export interface LogicContext {
  /** E0401 for one rule. */
  satisfiable(rule: ConditionRule, diagnostics: DiagnosticCollector): void;
  /** The key under which E0402 compares entries (undefined for rules that do not enter). */
  entryKey(rule: ConditionRule): string | undefined;
}

export function createLogicContext(names: NameTable, kinds: KindTable): LogicContext {
  const keys = letKeys(names);
  const constants = letConstants(names, kinds);
  const resolve = (n: NameExpr): LetDecl | undefined => names.resolved.get(n);
  return {
    satisfiable: (r, diagnostics) => checkSatisfiable(r, names, kinds, keys, constants, resolve, diagnostics),
    entryKey: (r) => {
      if (r.action.action !== "enter_long" && r.action.action !== "enter_short") return undefined;
      const w = r.window
        ? `${r.window.from.hour}:${r.window.from.minute}-${r.window.to.hour}:${r.window.to.minute}`
        : "";
      const filter = r.filter ? structuralKey(r.filter, resolve, keys) : "";
      return `${r.timeframe.seconds}|${structuralKey(r.condition, resolve, keys)}|${filter}|${w}`;
    },
  };
}

// ------------------------------------------------------------ E0401

/** `subject op value`, oriented so that the constant is on the right. */
interface Atom {
  readonly key: string;
  readonly op: CompareOp;
  readonly value: number;
  /** Where to point: the comparison in the rule, or the `let` name that brought it in. */
  readonly anchor: Span;
  /** The comparison, shown (prefixed with `not` when negated) only if it is reported. */
  readonly compare: CompareExpr;
  readonly negated: boolean;
}

/** What a message quotes: printed only when a diagnostic is reported, not for every rule. */
type Shown = { readonly name: string } | { readonly expr: Expr; readonly not?: boolean };

interface Anchor {
  readonly span: Span;
  readonly shown: Shown;
}

function shownText(s: Shown): string {
  if ("name" in s) return s.name;
  return s.not ? `not ${shortExpr(s.expr)}` : shortExpr(s.expr);
}

function atomText(a: Atom): string {
  return shownText({ expr: a.compare, not: a.negated });
}

interface Conjunction {
  readonly atoms: Atom[];
  /** A conjunct that is the constant `false` (`false`, `not true`, `1 > 2`). */
  never?: Anchor;
}

const FLIP: Record<CompareOp, CompareOp> = { ">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "==", "!=": "!=" };
const NEGATE: Record<CompareOp, CompareOp> = { ">": "<=", ">=": "<", "<": ">=", "<=": ">", "==": "!=", "!=": "==" };

function holds(l: number, op: CompareOp, r: number): boolean {
  switch (op) {
    case ">":
      return l > r;
    case ">=":
      return l >= r;
    case "<":
      return l < r;
    case "<=":
      return l <= r;
    case "==":
      return l === r;
    case "!=":
      return l !== r;
  }
}

/** `checkSatisfiable`'s work list, shared: it is empty between calls, which never nest. */
/**
 * `checkSatisfiable`'s work list: parallel stacks (expression, anchor,
 * polarity) with a manual top, so that no node visited costs an object and
 * the storage is kept from one rule to the next. Calls never nest.
 */
class WorkList {
  readonly e: (Expr | undefined)[] = [];
  readonly anchor: (Anchor | undefined)[] = [];
  readonly negated: boolean[] = [];
  top = 0;
  private used = 0;

  push(e: Expr, anchor: Anchor | undefined, negated: boolean): void {
    const i = this.top++;
    this.e[i] = e;
    this.anchor[i] = anchor;
    this.negated[i] = negated;
    if (this.top > this.used) this.used = this.top;
  }

  /** Empties the list and drops its references to the rule's nodes. */
  clear(): void {
    this.e.fill(undefined, 0, this.used);
    this.anchor.fill(undefined, 0, this.used);
    this.top = 0;
    this.used = 0;
  }
}
const WORK = new WorkList();

function checkSatisfiable(
  rule: ConditionRule,
  names: NameTable,
  kinds: KindTable,
  keys: Map<LetDecl, string>,
  constants: Map<LetDecl, number | undefined>,
  resolve: (n: NameExpr) => LetDecl | undefined,
  diagnostics: DiagnosticCollector,
): void {
  // A condition with kind errors is already explained; reasoning about it would only add noise.
  if (kinds.ty(rule.condition)?.kind !== "bool") return;
  if (rule.filter && kinds.ty(rule.filter)?.kind !== "bool") return;
  const conj: Conjunction = { atoms: [] };
  // Each let is expanded once per polarity: conjunctions are idempotent, and lets may share sub-lets many times.
  // Made on the first let met: most conditions use none.
  let expanded: Set<string> | undefined;
  let letIds: Map<LetDecl, number> | undefined;
  /** `anchor`: where a conjunct reached through a `let` or `not` is shown (the use in the rule). */
  // An explicit work list rather than recursion: conditions can run through long chains of lets.
  // The work list as three parallel stacks (expression, anchor, polarity): no object per visited node.
  const work = WORK;
  const collect = (root: Expr): void => {
    work.push(root, undefined, false);
    while (work.top > 0 && !conj.never) {
      const i = --work.top;
      const e = work.e[i] as Expr;
      const anchor = work.anchor[i];
      const negated = work.negated[i] as boolean;
      const x = unparen(e);
      switch (x.type) {
        case "Logical":
          // `not (a and b)` is a disjunction: nothing certain to intersect. Right pushed first: left is handled first.
          if (x.op === "and" && !negated) {
            work.push(x.right, anchor, negated);
            work.push(x.left, anchor, negated);
          }
          break;
        case "Name": {
          const d = names.resolved.get(x);
          if (!d || names.cyclic.has(d)) break;
          letIds ??= new Map();
          expanded ??= new Set();
          if (!letIds.has(d)) letIds.set(d, letIds.size);
          const id = `${letIds.get(d)}${negated ? "-" : "+"}`;
          if (expanded.has(id)) break;
          expanded.add(id);
          work.push(d.value, anchor ?? { span: x.span, shown: { name: x.name } }, negated);
          break;
        }
        case "Bool":
          if (x.value === negated) conj.never = anchor ?? { span: x.span, shown: { expr: x } };
          break;
        case "Unary":
          if (x.op === "not") {
            work.push(x.operand, anchor ?? { span: x.span, shown: { expr: x } }, !negated);
          }
          break;
        case "Compare":
          addCompare(x, negated ? NEGATE[x.op] : x.op, anchor?.span ?? x.span, negated);
          break;
        default:
          break;
      }
    }
  };

  const addCompare = (c: CompareExpr, op: CompareOp, at: Span, negated: boolean): void => {
    const lt = kinds.ty(c.left);
    const rt = kinds.ty(c.right);
    if (!lt || !rt || lt.kind === "bool" || rt.kind === "bool") return;
    // Operands of different kinds (after literals adapted) were reported by the kind check: no units to intersect.
    if (kinds.kindOf(c.left) !== kinds.kindOf(c.right)) return;
    const lv = constantValue(c.left, names, kinds, constants);
    const rv = constantValue(c.right, names, kinds, constants);
    if (lv !== undefined && rv !== undefined) {
      if (!holds(lv, op, rv)) conj.never = { span: at, shown: { expr: c, not: negated } };
      return;
    }
    if (rv !== undefined)
      conj.atoms.push({ key: structuralKey(c.left, resolve, keys), op, value: rv, anchor: at, compare: c, negated });
    else if (lv !== undefined) {
      conj.atoms.push({
        key: structuralKey(c.right, resolve, keys),
        op: FLIP[op],
        value: lv,
        anchor: at,
        compare: c,
        negated,
      });
    }
  };
  collect(rule.condition);
  if (rule.filter) collect(rule.filter);
  // Also empties what a walk that stopped early (a constant-false conjunct) left behind.
  work.clear();

  if (conj.never) {
    diagnostics.error(
      "E0401",
      conj.never.span,
      `this rule can never fire: \`${shownText(conj.never.shown)}\` is never true`,
      {
        label: "always false",
        hint: "remove the rule, or fix the condition",
      },
    );
    return;
  }
  const clash = findClash(conj.atoms);
  if (clash) {
    diagnostics.error(
      "E0401",
      clash.second.anchor,
      `this rule can never fire: \`${atomText(clash.first)}\` and \`${atomText(clash.second)}\` cannot both be true`,
      {
        label: "contradicts an earlier part of the condition",
        hint: "check the numbers: did you swap `above` and `below`?",
        related: [{ span: clash.first.anchor, message: "this part" }],
      },
    );
  }
}

interface Bound {
  value: number;
  inclusive: boolean;
  atom: Atom;
}

/** Intersects the intervals each subject is confined to; returns the first pair of atoms that empties one. */
function findClash(atoms: readonly Atom[]): { first: Atom; second: Atom } | undefined {
  // A clash takes two atoms (one alone bounds its subject to a non-empty interval).
  if (atoms.length < 2) return undefined;
  const bySubject = new Map<string, { lo?: Bound; hi?: Bound; not: Atom[] }>();
  for (const a of atoms) {
    let s = bySubject.get(a.key);
    if (!s) {
      s = { not: [] };
      bySubject.set(a.key, s);
    }
    const lower = a.op === ">" || a.op === ">=" || a.op === "==";
    const upper = a.op === "<" || a.op === "<=" || a.op === "==";
    const inclusive = a.op === ">=" || a.op === "<=" || a.op === "==";
    if (a.op === "!=") s.not.push(a);
    if (lower && (!s.lo || a.value > s.lo.value || (a.value === s.lo.value && !inclusive))) {
      s.lo = { value: a.value, inclusive, atom: a };
    }
    if (upper && (!s.hi || a.value < s.hi.value || (a.value === s.hi.value && !inclusive))) {
      s.hi = { value: a.value, inclusive, atom: a };
    }
    const { lo, hi } = s;
    if (lo && hi && (lo.value > hi.value || (lo.value === hi.value && !(lo.inclusive && hi.inclusive)))) {
      return { first: lo.atom === a ? hi.atom : lo.atom, second: a };
    }
    if (lo && hi && lo.value === hi.value) {
      const ne = s.not.find((n) => n.value === lo.value);
      if (ne) return { first: ne === a ? lo.atom : ne, second: a };
    }
  }
  return undefined;
}

// ------------------------------------------------------------ E0402

/** E0402 over the rules in order; `keys[i]` is `LogicContext.entryKey(rules[i])`. */
export function checkOppositeEntries(
  rules: readonly ConditionRule[],
  keys: readonly (string | undefined)[],
  diagnostics: DiagnosticCollector,
): void {
  // Only the first rule of each direction per key matters, so a plan with thousands of identical entries stays linear.
  const seen = new Map<string, { long?: ConditionRule; short?: ConditionRule }>();
  for (let i = 0; i < rules.length; i++) {
    const key = keys[i];
    if (key === undefined) continue;
    const r = rules[i] as ConditionRule;
    let firsts = seen.get(key);
    if (firsts === undefined) {
      firsts = {};
      seen.set(key, firsts);
    }
    const mine = r.action.action === "enter_long" ? "long" : "short";
    const theirs = mine === "long" ? "short" : "long";
    const opposite = firsts[theirs];
    if (opposite) {
      diagnostics.error("E0402", r.action.span, `\`enter ${mine}\` on the same condition as an \`enter ${theirs}\``, {
        label: `fires on exactly the bars where line ${opposite.span.start.line} enters ${theirs}`,
        hint: "give the two rules different conditions, or remove one",
        related: [{ span: opposite.action.span, message: `\`enter ${theirs}\` with the same condition` }],
      });
    }
    if (!firsts[mine]) firsts[mine] = r;
  }
}

// ------------------------------------------------------------ E0403

/** E0403: trailing stops in a plan where no rule enters. */
export function checkTrailingStops(
  statements: readonly Statement[],
  rules: readonly ConditionRule[],
  diagnostics: DiagnosticCollector,
): void {
  if (rules.some((r) => r.action.action === "enter_long" || r.action.action === "enter_short")) return;
  for (const s of statements) {
    if (s.type !== "TrailingStopRule") continue;
    diagnostics.error("E0403", s.span, "trailing stop but no rule enters a position", {
      label: "this stop can never trigger",
      hint: "add an entry rule, e.g. `on 5m close above 150 enter long`",
    });
  }
}
