import type { CompiledFunction, CompiledPlan } from "@tradeplan/dsl";
import type { RuleRefValue } from "./schema.js";

const squash = (s: string) => s.replace(/\s+/g, " ").trim();

/**
 * Finds the rule a test names: a line number, an id (`r15`), or a piece of
 * the rule's text that exactly one rule contains (whitespace-insensitive).
 * The language has no rule labels, and line numbers move when a plan is
 * edited; a piece of text such as `"close above breakout"` does not.
 */
export function resolveRule(
  plan: CompiledPlan,
  ref: RuleRefValue,
): { ok: true; rule: CompiledFunction } | { ok: false; reason: string; hint: string } {
  const rules = plan.functions;
  const list = `the rules are on lines ${rules.map((r) => r.line).join(", ")}`;
  if (typeof ref === "number") {
    const rule = rules.find((r) => r.line === ref);
    return rule ? { ok: true, rule } : { ok: false, reason: `no rule on line ${ref} of the plan`, hint: list };
  }
  if (/^r[0-9]+$/.test(ref)) {
    const rule = rules.find((r) => r.id === ref);
    return rule ? { ok: true, rule } : { ok: false, reason: `no rule has the id \`${ref}\``, hint: list };
  }
  const needle = squash(ref);
  const hits = rules.filter((r) => squash(r.source).includes(needle));
  const only = hits[0];
  if (hits.length === 1 && only) return { ok: true, rule: only };
  if (hits.length === 0)
    return {
      ok: false,
      reason: `no rule contains the text \`${needle}\``,
      hint: `name a rule by its line, its id (r12) or a piece of its text; ${list}`,
    };
  return {
    ok: false,
    reason: `\`${needle}\` matches ${hits.length} rules (lines ${hits.map((r) => r.line).join(", ")})`,
    hint: "use more of the rule's text, or its line number",
  };
}

/** `rule 15 (on 5m close above breakout ...)`, for messages. */
export function describeRule(rule: CompiledFunction): string {
  const text = squash(rule.source);
  return `rule ${rule.line} \`${text.length > 72 ? `${text.slice(0, 69)}...` : text}\``;
}
