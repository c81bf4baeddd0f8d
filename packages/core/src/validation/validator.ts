import { z } from "zod";
import type { Clock } from "../clock/clock.js";
import type { BarData } from "../models.js";
import { REJECT_REASONS, type RejectReason, type ValidationResult } from "./reasons.js";

// Numbers are only type-checked here: NaN and infinities get their own reason code below.
const num = z.custom<number>((v) => typeof v === "number", { message: "expected a number" });

/** Shape of a bar as it arrives from outside (a feed, a file, a broker). */
export const BarShapeSchema = z.object({
  symbol: z.string().min(1),
  timeframe: z.string().min(1),
  time: num,
  closeTime: num,
  open: num,
  high: num,
  low: num,
  close: num,
  volume: num,
});

/** Validator settings. */
export const BarValidatorConfigSchema = z
  .object({
    /** Reject bars whose closeTime is more than this many ms before the clock's now; omit to accept any age. */
    max_age_ms: z.number().int().positive().optional(),
  })
  .strict();

export type BarValidatorConfig = z.input<typeof BarValidatorConfigSchema>;

/** Stable code of validator construction errors. */
export class BarValidatorError extends Error {
  override readonly name = "BarValidatorError";
  readonly code = "VALIDATOR_BAD_CONFIG";
  constructor(message: string) {
    super(`VALIDATOR_BAD_CONFIG: ${message}`);
  }
}

type Counts = Record<RejectReason, number>;

interface StreamRecord {
  lastTime: number;
  accepted: number;
  readonly rejected: Counts;
}

const OK: ValidationResult = Object.freeze({ ok: true });

function zeroCounts(): Counts {
  const c = {} as Counts;
  for (const r of REJECT_REASONS) c[r] = 0;
  return c;
}

function iso(t: number): string {
  return Number.isFinite(t) && Math.abs(t) < 8.64e15 ? new Date(t).toISOString() : String(t);
}

/**
 * Checks bars before they reach the aggregator, detector or engine: shape
 * (zod), finite numbers, OHLC consistency, non-negative volume, per-stream
 * time order (no duplicates, nothing older than the last accepted bar) and,
 * optionally, staleness against the clock. A stream is `symbol` +
 * `timeframe`; only accepted bars move its last time. Rejections are counted
 * per stream and reason.
 */
export class BarValidator {
  private readonly clock: Clock;
  private readonly maxAgeMs: number | undefined;
  private readonly streams = new Map<string, StreamRecord>();

  constructor(clock: Clock, config: BarValidatorConfig = {}) {
    const parsed = BarValidatorConfigSchema.safeParse(config);
    if (!parsed.success) {
      throw new BarValidatorError(
        parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; "),
      );
    }
    this.clock = clock;
    this.maxAgeMs = parsed.data.max_age_ms;
  }

  /** Validates one bar; on success it becomes the stream's last bar. */
  validate(input: unknown): ValidationResult {
    let bar: z.output<typeof BarShapeSchema>;
    // Most bars have the shape: checked by hand (zod took more time than the rest of a bar's way to a decision);
    // zod is asked only to explain a bar that does not.
    if (hasBarShape(input)) bar = input;
    else {
      const shape = BarShapeSchema.safeParse(input);
      if (!shape.success) {
        const { symbol, timeframe } = streamOfUnknown(input);
        const detail = shape.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
        return this.reject(symbol, timeframe, "SCHEMA", `not a bar: ${detail}`);
      }
      bar = shape.data;
    }
    const result = this.check(bar);
    if (!result.ok) return this.reject(bar.symbol, bar.timeframe, result.reason, result.message);
    const rec = this.record(bar.symbol, bar.timeframe);
    rec.lastTime = bar.time;
    rec.accepted++;
    return OK;
  }

  /**
   * Wraps a consumer so that it only ever sees accepted bars; rejections go
   * to `onReject` (if given) and are counted.
   */
  guard(
    next: (bar: BarData) => void,
    onReject?: (input: unknown, result: Extract<ValidationResult, { ok: false }>) => void,
  ): (input: unknown) => boolean {
    return (input) => {
      const result = this.validate(input);
      if (result.ok) {
        next(input as BarData);
        return true;
      }
      onReject?.(input, result);
      return false;
    };
  }

  /** Rejections per reason of one stream (all zero when never seen). */
  rejections(symbol: string, timeframe: string): Readonly<Counts> {
    return { ...(this.streams.get(key(symbol, timeframe))?.rejected ?? zeroCounts()) };
  }

  /** Accepted bars of one stream. */
  accepted(symbol: string, timeframe: string): number {
    return this.streams.get(key(symbol, timeframe))?.accepted ?? 0;
  }

  /** Every stream seen, with its accepted count and rejections per reason. */
  summary(): { symbol: string; timeframe: string; accepted: number; rejected: Readonly<Counts> }[] {
    return [...this.streams.entries()].map(([k, rec]) => {
      const [symbol = "", timeframe = ""] = k.split("\u0000");
      return { symbol, timeframe, accepted: rec.accepted, rejected: { ...rec.rejected } };
    });
  }

  private check(b: z.output<typeof BarShapeSchema>): ValidationResult {
    for (const field of ["time", "closeTime", "open", "high", "low", "close", "volume"] as const) {
      if (!Number.isFinite(b[field])) return fail("NON_FINITE", `${field} is ${b[field]}, not a finite number`);
    }
    if (b.closeTime <= b.time) {
      return fail("BAD_INTERVAL", `closeTime ${iso(b.closeTime)} is not after time ${iso(b.time)}`);
    }
    if (b.low > b.high) return fail("LOW_ABOVE_HIGH", `low ${b.low} is above high ${b.high}`);
    if (b.high < Math.max(b.open, b.close)) {
      return fail("HIGH_BELOW_BODY", `high ${b.high} is below max(open ${b.open}, close ${b.close})`);
    }
    if (b.low > Math.min(b.open, b.close)) {
      return fail("LOW_ABOVE_BODY", `low ${b.low} is above min(open ${b.open}, close ${b.close})`);
    }
    if (b.volume < 0) return fail("NEGATIVE_VOLUME", `volume ${b.volume} is negative`);
    const last = this.streams.get(key(b.symbol, b.timeframe))?.lastTime;
    if (last !== undefined) {
      if (b.time === last) return fail("DUPLICATE", `a bar at ${iso(b.time)} was already accepted`);
      if (b.time < last) return fail("OUT_OF_ORDER", `bar at ${iso(b.time)} is before the last bar at ${iso(last)}`);
    }
    if (this.maxAgeMs !== undefined) {
      const now = this.clock.now();
      if (now - b.closeTime > this.maxAgeMs) {
        return fail(
          "STALE",
          `bar closed at ${iso(b.closeTime)}, ${now - b.closeTime} ms before now (max ${this.maxAgeMs} ms)`,
        );
      }
    }
    return OK;
  }

  private reject(symbol: string, timeframe: string, reason: RejectReason, message: string): ValidationResult {
    this.record(symbol, timeframe).rejected[reason]++;
    return { ok: false, reason, message: `${symbol || "?"} ${timeframe || "?"}: ${message}` };
  }

  private record(symbol: string, timeframe: string): StreamRecord {
    const k = key(symbol, timeframe);
    let rec = this.streams.get(k);
    if (rec === undefined) {
      rec = { lastTime: Number.NEGATIVE_INFINITY, accepted: 0, rejected: zeroCounts() };
      this.streams.set(k, rec);
    }
    return rec;
  }
}

/** What {@link BarShapeSchema} accepts, checked without it (it stays the one that explains a rejection). */
function hasBarShape(v: unknown): v is z.output<typeof BarShapeSchema> {
  if (typeof v !== "object" || v === null) return false;
  const b = v as Record<string, unknown>;
  return (
    typeof b.symbol === "string" &&
    b.symbol.length > 0 &&
    typeof b.timeframe === "string" &&
    b.timeframe.length > 0 &&
    typeof b.time === "number" &&
    typeof b.closeTime === "number" &&
    typeof b.open === "number" &&
    typeof b.high === "number" &&
    typeof b.low === "number" &&
    typeof b.close === "number" &&
    typeof b.volume === "number"
  );
}

function key(symbol: string, timeframe: string): string {
  return `${symbol}\u0000${timeframe}`;
}

function fail(reason: RejectReason, message: string): ValidationResult {
  return { ok: false, reason, message };
}

/** Best-effort stream of a malformed input, so its rejection is counted where it belongs. */
function streamOfUnknown(input: unknown): { symbol: string; timeframe: string } {
  if (typeof input !== "object" || input === null) return { symbol: "", timeframe: "" };
  const o = input as Record<string, unknown>;
  return {
    symbol: typeof o.symbol === "string" ? o.symbol : "",
    timeframe: typeof o.timeframe === "string" ? o.timeframe : "",
  };
}
