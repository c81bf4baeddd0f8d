import type { CompiledFunction, CompiledPlan, Span } from "@tradeplan/dsl";
import { TEST_CODES } from "./codes.js";
import type { PreparedCase } from "./load.js";
import { describeRule } from "./rules.js";
import { type BarSnapshot, type CaseRun, type Firing, watchKey } from "./run-case.js";
import type { TestClock } from "./times.js";

/** One expectation that did not hold. */
export interface Failure {
  readonly code: string;
  readonly message: string;
  readonly expected: string;
  readonly actual: string;
  /** Where the expectation is written in the test file. */
  readonly span: Span;
  /** The rule concerned, shown with a frame of its source line. */
  readonly rule?: CompiledFunction;
  /** The rule's bar at the time concerned, when one closed then. */
  readonly bar?: BarSnapshot;
}

/** Unlisted firings of one rule reported one by one; the rest are summed up in one more failure. */
export const MAX_UNLISTED_SHOWN = 3;

const money = (v: number) => `${v < 0 ? "-" : ""}$${Math.abs(v).toFixed(2)}`;
const fmt = (v: number) => (Number.isInteger(v) ? String(v) : String(Number(v.toFixed(4))));

/** `5m bar 09:30-09:35: o 150.1 h 150.4 l 149.9 c 150.3 v 12000`. */
export function describeBar(b: BarSnapshot, clock: TestClock): string {
  const end = clock.show(b.closeTime);
  return `${b.timeframe} bar ${clock.show(b.time)}-${end.slice(11)}: o ${fmt(b.open)} h ${fmt(b.high)} l ${fmt(b.low)} c ${fmt(b.close)} v ${fmt(b.volume)}`;
}

function describeFiring(f: Firing, clock: TestClock): string {
  const outcome = f.outcome === "acted" ? "" : ` (suppressed: ${f.outcome})`;
  return `${f.action} at ${clock.show(f.time)}${outcome}`;
}

/** Up to three of the rule's firings nearest to `time`, for "it fired at ... instead". */
function nearby(firings: readonly Firing[], rule: string, time: number, clock: TestClock): string {
  const mine = firings.filter((f) => f.rule === rule);
  if (mine.length === 0) return "the rule never fired in this case";
  const near = [...mine].sort((a, b) => Math.abs(a.time - time) - Math.abs(b.time - time)).slice(0, 3);
  near.sort((a, b) => a.time - b.time);
  return `the rule fired ${mine.length} time${mine.length === 1 ? "" : "s"}, nearest: ${near.map((f) => clock.show(f.time)).join(", ")}`;
}

/** Checks every expectation of a case against its run; an empty list means the case passed. */
export function checkExpectations(plan: CompiledPlan, c: PreparedCase, run: CaseRun, clock: TestClock): Failure[] {
  const out: Failure[] = [];
  const e = c.expect;
  const matched = new Set<Firing>();
  for (const want of e.fires) {
    const id = want.rule.id;
    const at = clock.show(want.at);
    const f = run.firings.find((x) => x.rule === id && x.time === want.at);
    const expected = `${want.action ?? "an action"}${want.outcome ? ` (${want.outcome})` : ""} at ${at}`;
    if (!f) {
      const seen = run.watched.get(watchKey(id, want.at));
      const actual = seen
        ? `NONE: ${seen.signal.reasoning}; ${nearby(run.firings, id, want.at, clock)}`
        : `the rule was not evaluated at ${at}: no ${want.rule.timeframe} bar closed then; ${nearby(run.firings, id, want.at, clock)}`;
      out.push({
        code: TEST_CODES.missingFire,
        message: `${describeRule(want.rule)} did not fire at ${at}`,
        expected,
        actual,
        span: want.span,
        rule: want.rule,
        ...(seen?.bar ? { bar: seen.bar } : {}),
      });
      continue;
    }
    matched.add(f);
    const actionOk =
      want.action === undefined || want.action === f.action || (want.action === "exit" && f.signal.action === "EXIT");
    if (!actionOk) {
      out.push({
        code: TEST_CODES.wrongAction,
        message: `${describeRule(want.rule)} fired ${f.action} at ${at}, not ${want.action}`,
        expected,
        actual: `${describeFiring(f, clock)}: ${f.signal.reasoning}`,
        span: want.span,
        rule: want.rule,
        ...(f.bar ? { bar: f.bar } : {}),
      });
      continue;
    }
    const outcomeOk =
      want.outcome === undefined ||
      want.outcome === f.outcome ||
      (want.outcome === "suppressed" && f.outcome !== "acted");
    if (!outcomeOk) {
      out.push({
        code: TEST_CODES.wrongOutcome,
        message: `${describeRule(want.rule)} fired at ${at} but the engine's outcome was ${f.outcome}, not ${want.outcome}`,
        expected,
        actual: describeFiring(f, clock),
        span: want.span,
        rule: want.rule,
        ...(f.bar ? { bar: f.bar } : {}),
      });
    }
  }
  for (const never of e.neverFires) {
    const mine = run.firings.filter((f) => f.rule === never.rule.id);
    const first = mine[0];
    if (first) {
      out.push({
        code: TEST_CODES.unexpectedFire,
        message: `${describeRule(never.rule)} must never fire, but fired ${mine.length} time${mine.length === 1 ? "" : "s"}`,
        expected: "no firing",
        actual: `first: ${describeFiring(first, clock)}: ${first.signal.reasoning}`,
        span: never.span,
        rule: never.rule,
        ...(first.bar ? { bar: first.bar } : {}),
      });
    }
  }
  const listSpan = e.noOtherFires;
  if (listSpan) {
    const never = new Set(e.neverFires.map((n) => n.rule.id));
    const shown = new Map<string, Firing[]>();
    for (const f of run.firings) {
      if (matched.has(f) || never.has(f.rule)) continue;
      const list = shown.get(f.rule) ?? [];
      list.push(f);
      shown.set(f.rule, list);
      const rule = plan.functions.find((x) => x.id === f.rule);
      if (list.length > MAX_UNLISTED_SHOWN) continue;
      out.push({
        code: TEST_CODES.unexpectedFire,
        message: `${rule ? describeRule(rule) : `rule ${f.line}`} fired at ${clock.show(f.time)}, which \`fires\` does not list`,
        expected: "only the firings listed in `fires` (no_other_fires: true)",
        actual: `${describeFiring(f, clock)}: ${f.signal.reasoning}`,
        span: listSpan,
        ...(rule ? { rule } : {}),
        ...(f.bar ? { bar: f.bar } : {}),
      });
    }
    for (const [id, list] of shown) {
      const rest = list.slice(MAX_UNLISTED_SHOWN);
      const rule = plan.functions.find((x) => x.id === id);
      if (rest.length === 0 || !rule) continue;
      out.push({
        code: TEST_CODES.unexpectedFire,
        message: `${describeRule(rule)} fired ${rest.length} more time${rest.length === 1 ? "" : "s"} that \`fires\` does not list`,
        expected: "only the firings listed in `fires` (no_other_fires: true)",
        actual: `${rest
          .slice(0, 10)
          .map((f) => clock.show(f.time))
          .join(", ")}${rest.length > 10 ? ", ..." : ""}`,
        span: listSpan,
        rule,
      });
    }
  }
  const r = run.result;
  if (e.finalPosition) {
    const pos = r.openPositions.find((p) => p.symbol === c.symbol);
    const side = pos ? pos.side : "flat";
    const qty = pos ? pos.quantity : 0;
    const want = e.finalPosition;
    if (side !== want.side || (want.quantity !== undefined && qty !== want.quantity)) {
      out.push({
        code: TEST_CODES.finalPosition,
        message: `the final position is ${side === "flat" ? "flat" : `${side} ${qty}`}, not ${want.quantity !== undefined ? `${want.side} ${want.quantity}` : want.side}`,
        expected: want.quantity !== undefined ? `${want.side} ${want.quantity}` : want.side,
        actual: pos
          ? `${side} ${qty} ${c.symbol} @ ${fmt(pos.avgPrice)}, last ${fmt(pos.lastPrice)}`
          : `flat (${r.trades.length} closed trade${r.trades.length === 1 ? "" : "s"})`,
        span: want.span,
      });
    }
  }
  if (e.trades) {
    const n = r.trades.length;
    const t = e.trades;
    const bad =
      (t.exact !== undefined && n !== t.exact) ||
      (t.min !== undefined && n < t.min) ||
      (t.max !== undefined && n > t.max);
    if (bad) {
      const expected = t.exact !== undefined ? String(t.exact) : bounds(t.min, t.max, String);
      out.push({
        code: TEST_CODES.tradeCount,
        message: `${n} closed trade${n === 1 ? "" : "s"}, expected ${expected}`,
        expected,
        actual:
          n === 0
            ? "no closed trade"
            : r.trades
                .map(
                  (x) =>
                    `${x.side} ${x.quantity} ${x.entryTime.slice(0, 16)}Z -> ${x.exitTime.slice(0, 16)}Z ${money(x.pnl)}`,
                )
                .join("; "),
        span: t.span,
      });
    }
  }
  if (e.pnl) {
    const p = r.stats.netPnl;
    const { min, max } = e.pnl;
    if ((min !== undefined && p < min) || (max !== undefined && p > max)) {
      out.push({
        code: TEST_CODES.pnl,
        message: `net P&L ${money(p)}, expected ${bounds(min, max, money)}`,
        expected: bounds(min, max, money),
        actual: `${money(p)} (${r.trades.length} closed trade${r.trades.length === 1 ? "" : "s"}, ${money(r.stats.commissions)} commissions)`,
        span: e.pnl.span,
      });
    }
  }
  return out;
}

function bounds(min: number | undefined, max: number | undefined, show: (v: number) => string): string {
  if (min !== undefined && max !== undefined) return `[${show(min)}, ${show(max)}]`;
  if (min !== undefined) return `at least ${show(min)}`;
  return `at most ${show(max ?? 0)}`;
}
