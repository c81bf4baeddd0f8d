import type { BarField, LetDecl, NameExpr, PlanFile, Span, Statement } from "../ast.js";
import type { DiagnosticCollector } from "../diagnostics.js";
import { KEYWORDS } from "../lexer.js";
import { fillSnippet, INDICATORS } from "./indicators.js";
import { checkParamRange } from "./params.js";
import { didYouMean, suggestion } from "./suggest.js";
import { forEachStatementExpr, visitExpr, visitExprsOfType } from "./walk.js";

/**
 * `let` names: definitions (E0211), uses (E0201 with "did you mean"),
 * cycles (E0210) and unused names (W0601). Lets are order-independent: a
 * name may be used before its definition.
 */

export const BAR_FIELDS: readonly BarField[] = ["open", "high", "low", "close", "volume"];

export interface NameTable {
  /** Every `let` by name (the first definition when duplicated). */
  readonly lets: ReadonlyMap<string, LetDecl>;
  /** The `let` each name use refers to (unknown names are absent). */
  readonly resolved: ReadonlyMap<NameExpr, LetDecl>;
  readonly references: ReadonlyMap<LetDecl, readonly NameExpr[]>;
  /** Lets on a dependency cycle: their values are not checked further. */
  readonly cyclic: ReadonlySet<LetDecl>;
  /** Every `let` (first definitions), each after the lets it uses (cycles in any order). */
  readonly order: readonly LetDecl[];
}

export function checkNames(ast: PlanFile, diagnostics: DiagnosticCollector): NameTable {
  const lets = defineLets(ast.statements, diagnostics);
  const resolved = new Map<NameExpr, LetDecl>();
  const references = new Map<LetDecl, NameExpr[]>();
  for (const d of lets.values()) references.set(d, []);
  const letNames = [...lets.keys()];

  for (const s of ast.statements) {
    resolveStatement(s, lets, letNames, diagnostics, (e, d) => {
      resolved.set(e, d);
      references.get(d)?.push(e);
    });
  }

  const { cyclic, order } = findCycles(ast.statements, lets, resolved, diagnostics);
  reportUnused(references, diagnostics);
  return { lets, resolved, references, cyclic, order };
}

/**
 * Resolves the names one statement uses, in source order: `onResolved` gets
 * each name that is a `let`, unknown names are reported (E0201). Depends on
 * the statement and the lets only, so the incremental analyzer caches it.
 */
export function resolveStatement(
  s: Statement,
  lets: ReadonlyMap<string, LetDecl>,
  letNames: readonly string[],
  diagnostics: DiagnosticCollector,
  onResolved: (e: NameExpr, d: LetDecl) => void,
): void {
  forEachStatementExpr(s, (root) =>
    visitExprsOfType(root, "Name", (e) => {
      const d = lets.get(e.name);
      if (d) onResolved(e, d);
      else reportUnknown(e, letNames, diagnostics);
    }),
  );
}

/** W0601 for every `let` no name refers to. */
export function reportUnused(
  references: ReadonlyMap<LetDecl, readonly NameExpr[]>,
  diagnostics: DiagnosticCollector,
): void {
  for (const [d, refs] of references) {
    // `_`-prefixed names are deliberately unused (the usual convention), so they stay quiet.
    if (refs.length === 0 && !d.name.name.startsWith("_")) {
      const what = d.param ? "param" : "let";
      diagnostics.warning("W0601", d.name.span, `unused \`${what}\` \`${d.name.name}\``, {
        label: "defined here but never used",
        hint: "use it in a rule, or remove it",
        fix: { span: d.span, text: "", title: `Remove \`${what} ${d.name.name}\`` },
      });
    }
  }
}

/**
 * The `let` and `param` definitions (E0211 for shadowing and repeats, and
 * each param's range: E0213-E0215, E0217), first definitions by name.
 */
export function defineLets(statements: readonly Statement[], diagnostics: DiagnosticCollector): Map<string, LetDecl> {
  const lets = new Map<string, LetDecl>();
  for (const s of statements) {
    if (s.type !== "LetDecl") continue;
    if (s.param) checkParamRange(s, s.param, diagnostics);
    const name = s.name.name;
    const what = s.param ? "param" : "let";
    if ((BAR_FIELDS as readonly string[]).includes(name) || Object.hasOwn(KEYWORDS, name)) {
      const shadowed = (BAR_FIELDS as readonly string[]).includes(name) ? "a bar field" : "a keyword";
      diagnostics.error("E0211", s.name.span, `\`${name}\` is ${shadowed}; a \`${what}\` may not shadow it`, {
        label: "choose another name",
      });
      continue;
    }
    const prev = lets.get(name);
    if (prev) {
      const twice =
        prev.param || s.param
          ? `\`${name}\` is defined twice (a ${prev.param ? "param" : "let"}, then a ${what})`
          : `\`${name}\` is defined twice`;
      diagnostics.error("E0211", s.name.span, twice, {
        label: "second definition",
        hint: "rename one of them, or remove one",
        related: [{ span: prev.name.span, message: `first definition of \`${name}\`` }],
      });
      continue;
    }
    if (INDICATORS.has(name)) {
      diagnostics.error("E0211", s.name.span, `\`${name}\` is an indicator; a \`${what}\` may not shadow it`, {
        label: "choose another name",
        hint: `e.g. \`${what} my_${name} = ...\``,
      });
    }
    // Registered even when it shadows an indicator, so that its uses do not cascade into E0201.
    lets.set(name, s);
  }
  return lets;
}

function reportUnknown(e: NameExpr, letNames: readonly string[], diagnostics: DiagnosticCollector): void {
  const indicator = INDICATORS.get(e.name);
  if (indicator) {
    const call = fillSnippet(indicator.snippet);
    diagnostics.error("E0201", e.span, `\`${e.name}\` is an indicator, not a value`, {
      label: "indicators are called with arguments",
      ...suggestion(e.span, call),
    });
    return;
  }
  const guess = didYouMean(e.name, [...letNames, ...BAR_FIELDS, ...INDICATORS.keys(), "true", "false"]);
  const fixed = guess && INDICATORS.has(guess) ? fillSnippet(INDICATORS.get(guess)?.snippet ?? guess) : guess;
  diagnostics.error("E0201", e.span, `unknown name \`${e.name}\``, {
    label: "not a `let`, bar field or indicator",
    ...(fixed ? suggestion(e.span, fixed) : { hint: `define it first: \`let ${e.name} = ...\`` }),
  });
}

/**
 * Tarjan's strongly connected components over let -> let dependencies,
 * iterative so that a long chain of lets cannot overflow the stack; reports
 * each cycle once. Components come out dependencies first, which is the
 * order later passes evaluate lets in.
 */
export function findCycles(
  statements: readonly Statement[],
  lets: ReadonlyMap<string, LetDecl>,
  resolved: ReadonlyMap<NameExpr, LetDecl>,
  diagnostics: DiagnosticCollector,
): { cyclic: Set<LetDecl>; order: LetDecl[] } {
  const decls = statements.filter((s): s is LetDecl => s.type === "LetDecl" && lets.get(s.name.name) === s);
  const deps = new Map<LetDecl, LetDecl[]>();
  for (const d of decls) {
    const out: LetDecl[] = [];
    visitExpr(d.value, (e) => {
      if (e.type !== "Name") return;
      const t = resolved.get(e);
      if (t && !out.includes(t)) out.push(t);
    });
    deps.set(d, out);
  }

  const index = new Map<LetDecl, number>();
  const low = new Map<LetDecl, number>();
  const onStack = new Set<LetDecl>();
  const stack: LetDecl[] = [];
  const cyclic = new Set<LetDecl>();
  const order: LetDecl[] = [];
  let counter = 0;

  for (const root of decls) {
    if (index.has(root)) continue;
    // Explicit call stack: each frame is a let and the position in its dependency list.
    const frames: { v: LetDecl; next: number }[] = [];
    const enter = (v: LetDecl): void => {
      index.set(v, counter);
      low.set(v, counter);
      counter++;
      stack.push(v);
      onStack.add(v);
      frames.push({ v, next: 0 });
    };
    enter(root);
    while (frames.length > 0) {
      const f = frames[frames.length - 1] as { v: LetDecl; next: number };
      const out = deps.get(f.v) ?? [];
      if (f.next < out.length) {
        const w = out[f.next++] as LetDecl;
        if (!index.has(w)) enter(w);
        else if (onStack.has(w)) low.set(f.v, Math.min(low.get(f.v) as number, index.get(w) as number));
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low.set(parent.v, Math.min(low.get(parent.v) as number, low.get(f.v) as number));
      if (low.get(f.v) !== index.get(f.v)) continue;
      const component: LetDecl[] = [];
      let w: LetDecl;
      do {
        w = stack.pop() as LetDecl;
        onStack.delete(w);
        component.push(w);
      } while (w !== f.v);
      order.push(...component);
      const selfLoop = component.length === 1 && out.includes(f.v);
      if (component.length > 1 || selfLoop) {
        for (const c of component) cyclic.add(c);
        reportCycle(component, decls, deps, diagnostics);
      }
    }
  }
  return { cyclic, order };
}

function reportCycle(
  component: readonly LetDecl[],
  order: readonly LetDecl[],
  deps: ReadonlyMap<LetDecl, readonly LetDecl[]>,
  diagnostics: DiagnosticCollector,
): void {
  const members = new Set(component);
  const start = order.find((d) => members.has(d)) as LetDecl;
  const path = cyclePath(start, members, deps);
  const shown = [...path, start].map((d) => `\`${d.name.name}\``).join(" -> ");
  const related: { span: Span; message: string }[] = path
    .slice(1)
    .map((d) => ({ span: d.name.span, message: `\`${d.name.name}\` is part of the cycle` }));
  diagnostics.error("E0210", start.name.span, `\`${start.name.name}\` depends on itself: ${shown}`, {
    label: "this definition is circular",
    hint: "define one of these names without the others",
    ...(related.length > 0 ? { related } : {}),
  });
}

/** The shortest dependency path from `start` back to itself inside one component (without the final repeat). */
function cyclePath(
  start: LetDecl,
  members: ReadonlySet<LetDecl>,
  deps: ReadonlyMap<LetDecl, readonly LetDecl[]>,
): LetDecl[] {
  const parent = new Map<LetDecl, LetDecl>();
  const queue: LetDecl[] = [start];
  while (queue.length > 0) {
    const v = queue.shift() as LetDecl;
    for (const w of deps.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path: LetDecl[] = [];
        for (let x: LetDecl | undefined = v; x && x !== start; x = parent.get(x)) path.unshift(x);
        return [start, ...path];
      }
      if (!parent.has(w)) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}
