/**
 * The bar cache: one symbol's bars as the columns `BarColumns` holds,
 * written once by `tradeplan data import` so that a sweep's workers (on any
 * machine that mounts the same folder) read bars without parsing a CSV.
 * One file per symbol (`SYMBOL.tpbars`), so a worker reads only its job's
 * shard. Layout (docs/scale-out.md, "The bar cache"):
 *
 * ```
 * 0   8 bytes   magic "TPBARS\n\0"
 * 8   u32 LE    H, the header's length in bytes
 * 12  H bytes   the header, UTF-8 JSON (CacheHeader)
 * ..  0-7 zero bytes, so the columns start at a multiple of 8
 * ..  7 x bars x float64 LE: time, closeTime, open, high, low, close, volume
 * ```
 *
 * The header's checksum is the SHA-256 of the column bytes; a reader
 * recomputes it, and a job carries it, so a worker never mixes versions.
 */
import { createHash } from "node:crypto";
import { open, readFile, rename, writeFile } from "node:fs/promises";
import { endianness } from "node:os";
import { basename, join } from "node:path";
import { BarColumns } from "@tradeplan/core";
import type { ColumnsReadCounts } from "@tradeplan/core/internal";
import { z } from "zod";
import { QueueError } from "../errors.js";

/** Its errors' class, for a reader that imports only this module (`@tradeplan/queue/cache`). */
export { QueueError } from "../errors.js";

/** The format this code writes and reads; a reader refuses any other. */
export const CACHE_FORMAT = 1;
/** What a cache file's name ends with. */
export const CACHE_EXTENSION = ".tpbars";
const MAGIC = Buffer.from("TPBARS\n\0", "latin1");
/** The header is small; anything larger is not a cache. */
const MAX_HEADER_BYTES = 1 << 20;
/** Columns per bar, in BarColumns' order. */
const WIDTH = 7;
const COLUMNS = ["time", "closeTime", "open", "high", "low", "close", "volume"] as const;

const CountsSchema = z.object({
  rows: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
  rejectedByReason: z.record(z.string(), z.number().int().nonnegative()),
});

/** A cache file's header. */
export const CacheHeaderSchema = z.object({
  format: z.literal(CACHE_FORMAT),
  symbol: z.string().min(1),
  timeframe: z.string().min(1),
  bars: z.number().int().nonnegative(),
  /** `sha256:` and the hex SHA-256 of the column bytes. */
  checksum: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  columns: z.tuple([
    z.literal("time"),
    z.literal("closeTime"),
    z.literal("open"),
    z.literal("high"),
    z.literal("low"),
    z.literal("close"),
    z.literal("volume"),
  ]),
  /** What the CSV reader counted (rows read, rows rejected by reason). */
  counts: CountsSchema,
  /** Where the bars came from and how the file was read. */
  source: z.object({
    file: z.string(),
    timezone: z.string(),
    timestamps: z.enum(["open", "close"]),
    adjust: z.boolean(),
  }),
});
export type CacheHeader = z.infer<typeof CacheHeaderSchema>;

/** How the CSV the cache was made from was read (kept in the header). */
export type CacheSource = CacheHeader["source"];

/** A cache read back: the header and the columns (in a `SharedArrayBuffer`, shareable with threads). */
export interface BarCache {
  readonly path: string;
  readonly header: CacheHeader;
  readonly columns: BarColumns;
}

/** The SHA-256 of column bytes, as a header states it. */
export function columnsChecksum(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** A symbol as a file name: kept when plain, else percent-encoded (so `BRK/B` cannot name a folder). */
export function cacheFileName(symbol: string): string {
  const safe = /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(symbol) ? symbol : encodeURIComponent(symbol).replace(/\./g, "%2E");
  return `${safe}${CACHE_EXTENSION}`;
}

/** Whether `path` names a cache file (by its extension; the reader checks the magic). */
export function isCachePath(path: string): boolean {
  return path.endsWith(CACHE_EXTENSION);
}

function assertLittleEndian(): void {
  // Float64Array uses the host's byte order; the format is little-endian.
  if (endianness() !== "LE") throw new QueueError("CACHE_READ", "the bar cache needs a little-endian machine");
}

/** The column bytes of `columns` (column-major, as BarColumns lays them out). */
function columnBytes(columns: BarColumns): Uint8Array {
  const n = columns.length;
  const out = new Float64Array(n * WIDTH);
  for (const [k, name] of COLUMNS.entries()) out.set(columns[name], k * n);
  return new Uint8Array(out.buffer);
}

/**
 * Writes `columns` as `DIR/SYMBOL.tpbars` (to a temporary name first, then
 * renamed, so a reader never sees half a file). Returns the header written.
 */
export async function writeBarCache(dir: string, columns: BarColumns, source: CacheSource): Promise<BarCache> {
  assertLittleEndian();
  const body = columnBytes(columns);
  const header: CacheHeader = {
    format: CACHE_FORMAT,
    symbol: columns.symbol,
    timeframe: columns.timeframe,
    bars: columns.length,
    checksum: columnsChecksum(body),
    columns: [...COLUMNS],
    counts: countsOf(columns.counts),
    source,
  };
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const prefix = MAGIC.length + 4 + json.length;
  const pad = (8 - (prefix % 8)) % 8;
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  const path = join(dir, cacheFileName(columns.symbol));
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, Buffer.concat([MAGIC, length, json, Buffer.alloc(pad), body]));
  await rename(temporary, path);
  return { path, header, columns };
}

function countsOf(c: ColumnsReadCounts): CacheHeader["counts"] {
  const byReason: Record<string, number> = {};
  for (const [k, v] of Object.entries(c.rejectedByReason)) if (v !== undefined) byReason[k] = v;
  return { rows: c.rows, rejected: c.rejected, rejectedByReason: byReason };
}

function readError(path: string, why: string): QueueError {
  return new QueueError("CACHE_READ", `bar cache \`${path}\`: ${why}`);
}

/** The header of the cache at the start of `bytes`, and where its columns start. */
function parseHeader(path: string, bytes: Buffer): { header: CacheHeader; offset: number } {
  if (bytes.length < MAGIC.length + 4 || !bytes.subarray(0, MAGIC.length).equals(MAGIC))
    throw readError(path, "not a bar cache (write one with `tradeplan data import FILE.csv --out DIR`)");
  const h = bytes.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  if (h > MAX_HEADER_BYTES || start + h > bytes.length) throw readError(path, "the header is cut short");
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.subarray(start, start + h).toString("utf8"));
  } catch {
    throw readError(path, "the header is not JSON");
  }
  const format = (raw as { format?: unknown } | null)?.format;
  if (format !== CACHE_FORMAT)
    throw readError(
      path,
      `format ${String(format)}, this tradeplan reads format ${CACHE_FORMAT}: import the CSV again`,
    );
  const parsed = CacheHeaderSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw readError(path, `bad header: ${i?.path.join(".")}: ${i?.message}`);
  }
  return { header: parsed.data, offset: start + h + ((8 - ((start + h) % 8)) % 8) };
}

/** Only the header of a cache file (its first bytes), for a quick look at the checksum and bar count. */
export async function readBarCacheHeader(path: string): Promise<CacheHeader> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, "r");
    const first = Buffer.alloc(MAGIC.length + 4);
    await handle.read(first, 0, first.length, 0);
    const h = first.length === MAGIC.length + 4 ? first.readUInt32LE(MAGIC.length) : 0;
    const all = Buffer.alloc(first.length + Math.min(h, MAX_HEADER_BYTES));
    const { bytesRead } = await handle.read(all, 0, all.length, 0);
    return parseHeader(path, all.subarray(0, bytesRead)).header;
  } catch (e) {
    throw e instanceof QueueError ? e : readError(path, fsReason(e));
  } finally {
    await handle?.close();
  }
}

function fsReason(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES") return "permission denied";
  if (code === "EISDIR") return "is a folder (name the symbol's file, e.g. DIR/SYMBOL.tpbars)";
  return e instanceof Error ? e.message : String(e);
}

/**
 * Reads a cache file whole and checks it: the columns must hash to the
 * header's checksum, and to `expected` when given (the checksum a job
 * carries).
 *
 * @throws QueueError CACHE_READ (missing, not a cache, cut short) or CACHE_CHECKSUM.
 */
export async function readBarCache(path: string, expected?: string): Promise<BarCache> {
  assertLittleEndian();
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw readError(path, fsReason(e));
  }
  const { header, offset } = parseHeader(path, bytes);
  const size = header.bars * WIDTH * 8;
  if (bytes.length !== offset + size)
    throw readError(path, `${bytes.length - offset} bytes of columns, ${size} expected for ${header.bars} bars`);
  const body = bytes.subarray(offset);
  const actual = columnsChecksum(body);
  if (actual !== header.checksum)
    throw new QueueError(
      "CACHE_CHECKSUM",
      `bar cache \`${path}\`: its columns hash to ${short(actual)}, its header says ${short(header.checksum)} (the file is damaged: import the CSV again)`,
    );
  if (expected !== undefined && expected !== header.checksum)
    throw new QueueError(
      "CACHE_CHECKSUM",
      `bar cache \`${path}\` is ${short(header.checksum)}, the sweep was started with ${short(expected)}: this machine has another version of ${basename(path)}`,
    );
  const buffer = typeof SharedArrayBuffer === "function" ? new SharedArrayBuffer(size) : new ArrayBuffer(size);
  new Uint8Array(buffer).set(body);
  const columns = BarColumns.fromTransfer({
    buffer,
    capacity: header.bars,
    start: 0,
    length: header.bars,
    symbol: header.symbol,
    timeframe: header.timeframe,
    counts: header.counts,
  });
  return { path, header, columns };
}

/** A checksum as messages show it: enough hex to tell two apart. */
export function short(checksum: string): string {
  return checksum.slice(0, "sha256:".length + 12);
}
