/** The parts of a zod issue this module reads (zod 4 shape). */
export interface IssueLike {
  readonly code?: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  /** For `invalid_union`: the issues of each union option, paths relative to the union. */
  readonly errors?: readonly (readonly IssueLike[])[];
}

/**
 * Flattens zod issues into `path: message` lines, looking inside
 * `invalid_union` issues: ExprIR is a union keyed by `k`, and a bad leaf deep
 * in a tree otherwise surfaces as one useless "Invalid input" at the root.
 * For each union, the option whose `k` matched (no issue at `k`) is followed,
 * else the option with the fewest issues.
 */
export function issueLines(issues: readonly IssueLike[]): string[] {
  const out: string[] = [];
  for (const i of issues) explain(i, [], out);
  return out;
}

function explain(issue: IssueLike, prefix: readonly PropertyKey[], out: string[]): void {
  const path = [...prefix, ...issue.path];
  if (issue.code === "invalid_union" && issue.errors && issue.errors.length > 0) {
    const options = issue.errors.filter((opt) => opt.length > 0);
    const matched = options.filter((opt) => !opt.some((i) => i.path.length === 1 && i.path[0] === "k"));
    const pool = matched.length > 0 ? matched : options;
    let best = pool[0];
    for (const opt of pool) if (best === undefined || opt.length < best.length) best = opt;
    if (best && (matched.length > 0 || pool.length === 1)) {
      for (const i of best) explain(i, path, out);
      return;
    }
  }
  out.push(`${path.length ? path.map(String).join(".") : "(root)"}: ${issue.message}`);
}
