import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * HMAC-SHA256 signatures over the chain head. Each message starts with a
 * domain tag so a signature made for one purpose (a checkpoint) can never be
 * replayed as another (the stored head, a retention anchor).
 */
export type HmacKey = string | Uint8Array;

/** Shortest key accepted: HMAC-SHA256 keys shorter than 16 bytes are guessable. */
export const MIN_HMAC_KEY_BYTES = 16;

function keyBytes(key: HmacKey): Buffer {
  return typeof key === "string" ? Buffer.from(key, "utf8") : Buffer.from(key);
}

/** Whether a key is long enough; the journal and the verifier both refuse short keys. */
export function hmacKeyProblem(key: HmacKey): string | undefined {
  const n = keyBytes(key).length;
  return n < MIN_HMAC_KEY_BYTES ? `the HMAC key has ${n} bytes; at least ${MIN_HMAC_KEY_BYTES} are needed` : undefined;
}

function sign(key: HmacKey, message: string): string {
  return createHmac("sha256", keyBytes(key)).update(message, "utf8").digest("hex");
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Signature of checkpoint number `ordinal`, taken over the chain head (seq, hash) just before it. */
export function checkpointMac(key: HmacKey, ordinal: number, headSeq: number, headHash: string): string {
  return sign(key, `tradeplan-audit/checkpoint\n${ordinal}\n${headSeq}\n${headHash}`);
}

/** Signature of the stored head row (last seq, its hash, checkpoints written so far). */
export function headMac(key: HmacKey, seq: number, hash: string, checkpoints: number): string {
  return sign(key, `tradeplan-audit/head\n${seq}\n${hash}\n${checkpoints}`);
}

/** Signature of a retention anchor: the last pruned record. */
export function pruneMac(key: HmacKey, seq: number, hash: string): string {
  return sign(key, `tradeplan-audit/prune\n${seq}\n${hash}`);
}

/** Constant-time comparison of a stored signature with the expected one. */
export function macMatches(stored: unknown, expected: string): boolean {
  return typeof stored === "string" && same(stored, expected);
}
