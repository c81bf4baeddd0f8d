import fc from "fast-check";

/**
 * fast-check generators of plan source text. `validPlan` builds plans that
 * must check clean by construction: every `let` is used, price thresholds
 * only use `>` (so no conjunction can contradict itself), opposite entries
 * never share a condition, windows lie inside every session.
 */

const TIMEFRAMES = ["10s", "1m", "5m", "15m", "30m", "1h"] as const;
const OTHER_TF = ["1h", "4h", "1d"] as const;

const period = fc.integer({ min: 2, max: 50 });
const price = fc.double({ min: 1, max: 500, noNaN: true }).map((v) => v.toFixed(2));
const smallNum = fc.integer({ min: 1, max: 9 }).map(String);

const field = fc.constantFrom("open", "high", "low", "close");

/** A price-kind expression. `depth` bounds nesting. */
function priceExpr(depth: number, allowOf = true): fc.Arbitrary<string> {
  const leaves: fc.Arbitrary<string>[] = [
    field,
    period.map((n) => `sma(close, ${n})`),
    period.map((n) => `ema(close, ${n})`),
    period.map((n) => `highest(high, ${n})`),
    period.map((n) => `lowest(low, ${n})`),
    period.map((n) => `atr(${n})`),
    fc.constant("vwap()"),
    fc.tuple(field, fc.integer({ min: 0, max: 5 })).map(([f, k]) => `${f}[${k}]`),
  ];
  if (allowOf) leaves.push(fc.tuple(field, fc.constantFrom(...OTHER_TF)).map(([f, tf]) => `${f} of ${tf}`));
  if (depth <= 0) return fc.oneof(...leaves);
  const sub = priceExpr(depth - 1, allowOf);
  return fc.oneof(
    { weight: 4, arbitrary: fc.oneof(...leaves) },
    { weight: 1, arbitrary: fc.tuple(sub, fc.constantFrom("+", "-"), sub).map(([a, op, b]) => `${a} ${op} ${b}`) },
    { weight: 1, arbitrary: fc.tuple(sub, fc.constantFrom("*", "/"), smallNum).map(([a, op, n]) => `${a} ${op} ${n}`) },
    { weight: 1, arbitrary: sub.map((a) => `(${a})`) },
  );
}

/** A bool-kind expression over distinct shapes that cannot contradict. */
function condExpr(depth: number): fc.Arbitrary<string> {
  const p = priceExpr(1);
  const leaves = fc.oneof(
    fc.tuple(p, fc.constantFrom(">", ">=", "above"), price).map(([a, op, v]) => `${a} ${op} ${v}`),
    fc
      .tuple(p, fc.constantFrom(">", "<", ">=", "<=", "above", "below"), priceExpr(0))
      .map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(p, fc.constantFrom("crosses above", "crosses below"), priceExpr(0)).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(period, fc.integer({ min: 10, max: 90 })).map(([n, v]) => `rsi(close, ${n}) > ${v}`),
    fc.tuple(period, fc.integer({ min: 1, max: 9 })).map(([n, v]) => `change(close, ${n}) > ${v}%`),
    fc.tuple(fc.constantFrom("1.5", "2"), period).map(([m, n]) => `volume > ${m} * sma(volume, ${n})`),
    fc.integer({ min: 1, max: 900 }).map((k) => `volume > ${k}K`),
  );
  if (depth <= 0) return leaves;
  const sub = condExpr(depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: leaves },
    { weight: 1, arbitrary: fc.tuple(sub, fc.constantFrom("and", "or"), sub).map(([a, op, b]) => `${a} ${op} ${b}`) },
    // `not` only wraps crosses: negated thresholds could legitimately contradict a sibling (E0401).
    {
      weight: 1,
      arbitrary: fc
        .tuple(priceExpr(0), fc.constantFrom("crosses above", "crosses below"), priceExpr(0))
        .map(([a, op, b]) => `not (${a} ${op} ${b})`),
    },
    { weight: 1, arbitrary: sub.map((a) => `(${a})`) },
  );
}

const window = fc
  .tuple(
    fc.integer({ min: 10, max: 12 }),
    fc.integer({ min: 0, max: 59 }),
    fc.integer({ min: 13, max: 15 }),
    fc.integer({ min: 0, max: 29 }),
  )
  .map(([h1, m1, h2, m2]) => `between ${h1}:${String(m1).padStart(2, "0")} and ${h2}:${String(m2).padStart(2, "0")}`);

const enterModifiers = fc
  .record(
    {
      size: fc.oneof(
        fc.integer({ min: 1, max: 1000 }).map((n) => `size ${n} shares`),
        fc.integer({ min: 1, max: 99 }).map((n) => `size $${n},000`),
        fc.integer({ min: 1, max: 100 }).map((n) => `size ${n}% of equity`),
      ),
      confidence: fc.oneof(
        fc.constantFrom("low", "medium", "high"),
        fc.integer({ min: 0, max: 10 }).map((n) => String(n / 10)),
      ),
      stop: fc.oneof(
        fc.integer({ min: 1, max: 9 }).map((n) => `${n}%`),
        price,
      ),
      target: fc.oneof(
        fc.integer({ min: 1, max: 9 }).map((n) => `${n}%`),
        price,
      ),
    },
    { requiredKeys: [] },
  )
  .map((m) => Object.entries(m).map(([k, v]) => (k === "size" ? v : `${k} ${v}`)));

export interface GeneratedPlan {
  readonly source: string;
  readonly ruleCount: number;
}

/** A whole plan that must check clean (no errors, no warnings). */
export const validPlan: fc.Arbitrary<GeneratedPlan> = fc
  .record({
    name: fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ]{0,20}$/),
    symbols: fc.uniqueArray(fc.stringMatching(/^[A-Z]{1,5}$/), { minLength: 1, maxLength: 3 }),
    session: fc.option(fc.constantFrom("regular", "extended", "always"), { nil: undefined }),
    risk: fc.subarray([
      "risk max position 500 shares",
      "risk max order value $50,000",
      "risk max daily loss $2,000",
      "risk max orders per minute 10",
    ]),
    priceLets: fc.array(price, { maxLength: 3 }),
    condLets: fc.array(condExpr(1), { maxLength: 2 }),
    rules: fc.array(
      fc.record({
        tf: fc.constantFrom(...TIMEFRAMES),
        cond: condExpr(2),
        filter: fc.option(condExpr(1), { nil: undefined }),
        window: fc.option(window, { nil: undefined }),
        action: fc.constantFrom("enter long", "enter short", "exit", "exit long", "exit short"),
        mods: enterModifiers,
      }),
      { minLength: 1, maxLength: 8 },
    ),
    trailing: fc.option(
      fc.tuple(fc.constantFrom(...TIMEFRAMES), fc.integer({ min: 1, max: 20 }), fc.option(price, { nil: undefined })),
      {
        nil: undefined,
      },
    ),
    comments: fc.boolean(),
  })
  .map((g) => {
    const lines: string[] = [];
    if (g.comments) lines.push("# generated plan");
    lines.push(`plan "${g.name}"`);
    lines.push(g.symbols.length === 1 ? `symbol ${g.symbols[0]}` : `symbols ${g.symbols.join(", ")}`);
    if (g.session) lines.push(`session ${g.session}`);
    lines.push(...g.risk);
    lines.push("");
    for (const [i, v] of g.priceLets.entries()) lines.push(`let level${i} = ${v}`);
    for (const [i, c] of g.condLets.entries()) lines.push(`let setup${i} = ${c}`);
    lines.push("");
    let entries = 0;
    g.rules.forEach((r, i) => {
      const isEnter = r.action.startsWith("enter");
      if (isEnter) entries++;
      // A unique volume floor keeps opposite entries from ever sharing a condition (E0402).
      const filter = r.action === "enter short" ? `volume > ${1000 + i}` : r.filter;
      const parts = [`on ${r.tf}`, r.cond];
      if (filter) parts.push(`with ${filter}`);
      if (r.window) parts.push(r.window);
      parts.push(r.action);
      if (isEnter) parts.push(...r.mods);
      else if (r.mods.some((m) => m.startsWith("confidence")))
        parts.push(r.mods.find((m) => m.startsWith("confidence")) as string);
      lines.push(parts.join(" ") + (g.comments && i === 0 ? "  # first rule" : ""));
    });
    for (const i of g.priceLets.keys()) lines.push(`on 5m close above level${i} exit`);
    for (const i of g.condLets.keys()) lines.push(`on 15m setup${i} exit`);
    if (entries === 0) lines.push("on 5m close above 100 enter long");
    if (g.trailing) {
      const [tf, pct, act] = g.trailing;
      lines.push(`on ${tf} trailing stop ${pct}%${act ? ` activate at ${act}` : ""}`);
    }
    return { source: `${lines.join("\n")}\n`, ruleCount: g.rules.length };
  });

const VOCAB = [
  "plan",
  "symbol",
  "symbols",
  "let",
  "risk",
  "on",
  "with",
  "between",
  "and",
  "or",
  "not",
  "above",
  "below",
  "crosses",
  "enter",
  "exit",
  "long",
  "short",
  "size",
  "shares",
  "of",
  "equity",
  "confidence",
  "stop",
  "target",
  "trailing",
  "activate",
  "at",
  "close",
  "volume",
  "high",
  "5m",
  "1h",
  "1d",
  "10:00",
  "150.25",
  "1M",
  "2%",
  "$2,000",
  '"x"',
  "AAPL",
  "sma",
  "rsi",
  "(",
  ")",
  "[",
  "]",
  ",",
  "=",
  "==",
  ">",
  "<",
  "+",
  "-",
  "*",
  "/",
  "\n",
  "#",
  ";",
  "\t",
  '"',
  "é",
];

/** Token soup: sequences of real tokens in random order, which reach much deeper into the parser than random strings. */
export const tokenSoup: fc.Arbitrary<string> = fc
  .array(fc.constantFrom(...VOCAB), { maxLength: 60 })
  .map((ts) => ts.join(" "));
