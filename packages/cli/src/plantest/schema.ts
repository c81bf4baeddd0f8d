import { z } from "zod";

/**
 * The plan test file (`NAME.plan.test.yaml`), validated in layers: the file,
 * then each case on its own (so that one bad case does not stop the others),
 * then the parts whose shape decides their schema (`bars`, each bar row).
 * `PlanTestFileSchema` puts the parts together as one schema of the whole
 * file, from which its JSON Schema for editors is generated. Keys are
 * snake_case, as YAML files usually are. Reference: docs/testing.md.
 * Descriptions (`describe`) become the JSON Schema's, which editors show.
 */

/** Test file names end with one of these; the plan is the name without it. */
export const TEST_FILE_SUFFIXES = [".test.yaml", ".test.yml"] as const;

const Finite = z.number().refine(Number.isFinite, "must be a finite number");
const NonNegative = Finite.refine((v) => v >= 0, "must be 0 or more");

/** `2024-03-01 09:35`, `2024-03-01T09:35:00`, `09:35` (with a date from the case), optionally `Z` or an offset. */
export const TIME_PATTERN =
  /^(?:([0-9]{4})-([0-9]{2})-([0-9]{2})[T ])?([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?(Z|[+-][0-9]{2}:?[0-9]{2})?$/;

export const TimeText = z
  .string({ error: "must be a time such as `2024-03-01 09:35` or `09:35`" })
  .regex(TIME_PATTERN, "must be a time such as `2024-03-01 09:35` or `09:35`");

const DateText = z
  .string({ error: "must be a date `YYYY-MM-DD`" })
  .regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, "must be a date `YYYY-MM-DD`");

/** A date (a whole session day) or a time. */
const DateOrTime = z
  .string({ error: "must be a date `YYYY-MM-DD` or a time `YYYY-MM-DD HH:MM`" })
  .regex(
    /^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?$/,
    "must be a date `YYYY-MM-DD` or a time `YYYY-MM-DD HH:MM`",
  );

const Timeframe = z
  .string({ error: "must be a timeframe such as `1m`" })
  .regex(/^[1-9][0-9]*[smhd]$/, "must be a timeframe such as `1m`, `5m`, `1h`");

const SymbolText = z
  .string({ error: "must be a symbol such as `AAPL`" })
  .min(1, "must not be empty")
  .max(32, "is longer than 32 characters");

/**
 * A rule: its 1-based line in the plan (`15`), its id (`r15`), or a part of
 * its text (`"close above breakout"`, whitespace-insensitive) that only one
 * rule contains. Text survives edits that move lines; lines are shortest.
 */
export const RuleRef = z.union([z.number().int().positive(), z.string().trim().min(1)], {
  error: "must name a rule: its line number (15), its id (`r15`) or a part of its text",
});
export type RuleRefValue = z.output<typeof RuleRef>;

export const PlanAction = z.enum(["enter_long", "enter_short", "exit", "exit_long", "exit_short"], {
  error: "must be one of enter_long, enter_short, exit, exit_long, exit_short",
});
export type PlanActionValue = z.output<typeof PlanAction>;

/** What the engine did with a firing: acted on it, or a suppression code. */
export const Outcome = z.enum(
  [
    "acted",
    "suppressed",
    "POSITION_OPEN",
    "NO_POSITION",
    "SIDE_MISMATCH",
    "SIZE_ZERO",
    "RISK_REJECTED",
    "BROKER_REJECTED",
  ],
  {
    error:
      "must be `acted`, `suppressed` or a suppression code (POSITION_OPEN, NO_POSITION, SIDE_MISMATCH, SIZE_ZERO, RISK_REJECTED, BROKER_REJECTED)",
  },
);
export type OutcomeValue = z.output<typeof Outcome>;

export const FireExpectation = z
  .object({
    rule: RuleRef.describe("The rule: its line (15), its id (r15) or a part of its text that only it contains"),
    at: TimeText.describe("Close time of the bar the rule decided on, in the plan's time zone"),
    action: PlanAction.optional().describe("The action it fired with (`exit` matches every exit)"),
    outcome: Outcome.optional().describe("What the engine did with it: acted, suppressed or a suppression code"),
  })
  .strict();
export type FireExpectationValue = z.output<typeof FireExpectation>;

const PositionObject = z
  .object({
    side: z.enum(["flat", "long", "short"], { error: "must be flat, long or short" }),
    quantity: z.number().int().positive("must be a positive whole number").optional(),
  })
  .strict();

/** `flat`, `long`, `short`, `long 100`, or `{ side: long, quantity: 100 }`. */
export const PositionSpec = z.union(
  [
    z.string().regex(/^(flat|long|short)( [1-9][0-9]*)?$/, "must be `flat`, `long`, `short` or `long 100`"),
    PositionObject,
  ],
  { error: "must be `flat`, `long 100`, `short 50` or { side, quantity }" },
);
export type PositionSpecValue = z.output<typeof PositionSpec>;

const Bounds = z
  .object({ min: Finite.optional(), max: Finite.optional() })
  .strict()
  .refine((b) => b.min === undefined || b.max === undefined || b.min <= b.max, "`min` must not exceed `max`");

export const Expectations = z
  .object({
    fires: z.array(FireExpectation).optional().describe("Firings that must happen: { rule, at, action, outcome }"),
    no_other_fires: z.boolean().optional().describe("Every firing must be listed in `fires`"),
    never_fires: z.array(RuleRef).optional().describe("Rules that must never fire"),
    final_position: PositionSpec.optional().describe("The position at the end: flat, long, long 100, short 50"),
    trades: z
      .union([z.number().int("must be a whole number").min(0, "must be 0 or more"), Bounds], {
        error: "must be a count or { min, max }",
      })
      .optional()
      .describe("Closed round trips: a count or { min, max }"),
    pnl: Bounds.optional().describe("Net P&L (realized and unrealized, after costs) within { min, max }"),
  })
  .strict();
export type ExpectationsValue = z.output<typeof Expectations>;

/** `start`: a position opened at the first bar's open, before any rule runs. */
export const StartSpec = PositionSpec;

export const CaseSchema = z
  .object({
    name: z
      .string({ error: "must be the case's name" })
      .trim()
      .min(1, "must not be empty")
      .describe("Shown in reports and matched by --run"),
    symbol: SymbolText.optional().describe("The symbol the bars are for; required when the plan trades several"),
    timeframe: Timeframe.optional().describe("Timeframe of inline bar rows (default 1m)"),
    date: DateText.optional().describe("The day that times written as HH:MM refer to"),
    timestamps: z
      .enum(["open", "close"], { error: "must be open or close" })
      .optional()
      .describe("Whether row times are the bars' open (default) or close times"),
    start: StartSpec.optional().describe("A position held before the first rule runs: long 100, short 50"),
    bars: z
      .unknown()
      .refine((v) => v !== undefined, "is required: a list of rows or { csv: FILE }")
      .describe("Inline rows, or { csv: FILE, from, to }"),
    expect: Expectations.describe("What the rules must have done"),
  })
  .strict();
export type CaseValue = z.output<typeof CaseSchema>;

export const FileSchema = z
  .object({
    plan: z
      .string()
      .trim()
      .min(1, "must name a plan file")
      .optional()
      .describe("The plan, relative to this file (default: this file's name without .test.yaml)"),
    symbol: SymbolText.optional().describe("Default symbol of the cases"),
    timeframe: Timeframe.optional().describe("Default timeframe of inline bar rows (default 1m)"),
    cases: z
      .array(z.unknown(), { error: "must be a list of cases" })
      .min(1, "must hold at least one case")
      .describe("The cases, at least one"),
  })
  .strict();
export type FileValue = z.output<typeof FileSchema>;

/** `bars: { csv: FILE }`: bars from a CSV file, relative to the test file, optionally cut to a window. */
export const CsvBars = z
  .object({
    csv: z.string().trim().min(1, "must name a CSV file"),
    /** First day or time included (the plan's zone). */
    from: DateOrTime.optional(),
    /** Last day included, or the time bars must open before. */
    to: DateOrTime.optional(),
  })
  .strict();
export type CsvBarsValue = z.output<typeof CsvBars>;

/** `[TIME, open, high, low, close, volume]`. */
export const ArrayRow = z.tuple([TimeText, Finite, Finite, Finite, Finite, NonNegative], {
  error: "must be [time, open, high, low, close, volume]",
});

/** `{ t, o, h, l, c, v }`. */
export const ObjectRow = z.object({ t: TimeText, o: Finite, h: Finite, l: Finite, c: Finite, v: NonNegative }).strict();

/**
 * `{ t, until, c, v }`: one bar per timeframe step from `t` to `until`
 * (both included). `c` is a close for flat bars, or `[from, to]` for a
 * straight ramp; each bar opens at the previous close. `wick` extends each
 * bar's high and low beyond its body (default 0), so that ranges (ATR) are
 * not zero.
 */
export const RangeRow = z
  .object({
    t: TimeText,
    until: TimeText,
    c: z.union([Finite, z.tuple([Finite, Finite])], { error: "must be a close or [from, to]" }),
    v: NonNegative,
    wick: NonNegative.optional(),
  })
  .strict();

export type ArrayRowValue = z.output<typeof ArrayRow>;
export type ObjectRowValue = z.output<typeof ObjectRow>;
export type RangeRowValue = z.output<typeof RangeRow>;

/** A bar row in any of its three forms (`bars.ts` tells them apart: a list, an object with `until`, an object). */
export const BarRow = z.union([ArrayRow, RangeRow, ObjectRow]);

/** `bars`: inline rows, or a CSV file. */
export const BarsSpec = z.union([z.array(BarRow).min(1), CsvBars]);

/**
 * The whole test file as one schema, for editors: the file with its cases,
 * their bars and rows in place of the layers the loader validates one by
 * one, so that a file this accepts passes every layer's shape checks (what
 * only loading can tell remains: real dates, rule names, plan and CSV files).
 */
export const PlanTestFileSchema = FileSchema.extend({
  cases: z
    .array(CaseSchema.extend({ bars: BarsSpec.describe(CaseSchema.shape.bars.description ?? "") }))
    .min(1)
    .describe(FileSchema.shape.cases.description ?? ""),
});
