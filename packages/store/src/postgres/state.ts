import { z } from "zod";
import { StateError } from "../persistence/errors.js";
import {
  PaperAccountSchema,
  RiskStateSchema,
  SavedLotSchema,
  SavedOrderSchema,
  SavedPositionSchema,
  STATE_SCHEMA_VERSION,
  TradingRecordSchema,
} from "../persistence/schema.js";
import type { SessionState } from "../persistence/store.js";

const Name = z.string().min(1);
const Time = z.number().int();
const Finite = z.number().refine(Number.isFinite, "must be a finite number");

/**
 * A session's state as PostgreSQL keeps it: one JSON document per account
 * (`state_snapshots`), checked on load with the same part schemas as the
 * SQLite tables' rows, plus when each sent client order id was first saved
 * (for `storage.retention_days`).
 */
const SnapshotSchema = z
  .object({
    format: z.literal("tradeplan/session-state"),
    version: z.literal(STATE_SCHEMA_VERSION),
    state: z
      .object({
        savedAt: Time,
        watermarks: z.array(z.object({ symbol: Name, closeTime: Time }).strict()),
        streams: z.array(
          z.object({ symbol: Name, timeframe: Name, lastClose: Time.nullable(), lookback: Time }).strict(),
        ),
        broker: z.discriminatedUnion("kind", [
          z
            .object({
              kind: z.literal("paper"),
              state: PaperAccountSchema.extend({
                lots: z.array(SavedLotSchema),
                marks: z.array(z.object({ symbol: Name, price: Finite }).strict()),
                working: z.array(SavedOrderSchema),
                seen: z.array(Name),
              }).strict(),
            })
            .strict(),
          z
            .object({
              kind: z.literal("external"),
              positions: z.array(SavedPositionSchema),
              openOrders: z.array(SavedOrderSchema),
            })
            .strict(),
        ]),
        risk: RiskStateSchema,
        engines: z.array(
          z
            .object({
              plan: Name,
              functions: z.array(z.object({ symbol: Name, rule: Name, state: z.unknown() }).strict()),
            })
            .strict(),
        ),
        trading: TradingRecordSchema,
        orderOrigins: z.array(
          z.object({ clientOrderId: Name, rule: Name, timeframe: Name, function: Name.optional() }).strict(),
        ),
      })
      .strict(),
    seenAt: z.record(z.string(), Time),
  })
  .strict();

/** A saved state and when each of its sent client order ids was first saved. */
export interface Snapshot {
  readonly state: SessionState;
  readonly seenAt: Record<string, number>;
}

/** The JSON text of a snapshot. */
export function snapshotText(s: Snapshot): string {
  return JSON.stringify({ format: "tradeplan/session-state", version: STATE_SCHEMA_VERSION, ...s });
}

/** Reads a stored snapshot; `STATE_SCHEMA_VERSION` or `STATE_CORRUPT` naming the bad field. */
export function parseSnapshot(text: string, where: string): Snapshot {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new StateError("STATE_CORRUPT", `${where}: not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const version = (json as { version?: unknown } | null)?.version;
  if (version !== STATE_SCHEMA_VERSION)
    throw new StateError(
      "STATE_SCHEMA_VERSION",
      `${where} holds state of schema version ${String(version)}; this tradeplan reads version ${STATE_SCHEMA_VERSION}`,
    );
  const r = SnapshotSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new StateError("STATE_CORRUPT", `${where}: ${i?.path.join(".") || "(root)"}: ${i?.message ?? "invalid"}`);
  }
  return { state: r.data.state as SessionState, seenAt: r.data.seenAt };
}
