import { mkdir } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { BarColumnsBuilder, CsvFormatError, type RejectedRow } from "@tradeplan/core";
import { readCsvFile } from "@tradeplan/live";
import { z } from "zod";
import { describeFsError, EXIT, UsageError } from "../errors.js";
import type { CliIO } from "../io.js";
import { displayPath } from "../source.js";
import { MAX_REJECTS_SHOWN } from "./backtest.js";
import { parseOptions, SymbolOption } from "./shared.js";

const DataImportOptionsSchema = z.object({
  out: z.string().trim().min(1, "must name a folder"),
  symbol: SymbolOption,
  timezone: z.string().trim().min(1, "must name an IANA time zone").default("America/New_York"),
  timestamps: z.enum(["open", "close"]).default("open"),
  adjust: z.boolean().default(false),
});

export type DataImportCommandOptions = z.input<typeof DataImportOptionsSchema>;

/** The symbol a file is for when `--symbol` is not given: its name up to the first `-`, `_` or `.`, upper-cased (`nvda-1999-2014-1d.csv` is NVDA). */
export function symbolFromFileName(file: string): string | undefined {
  const head = basename(file).split(/[-_.]/)[0]?.toUpperCase() ?? "";
  return SymbolOption.safeParse(head).success && head !== "" ? head : undefined;
}

/**
 * `tradeplan data import FILE.csv --out DIR`: reads the CSV once, with the
 * reader `backtest` uses (bad rows rejected and counted, the first 50 shown
 * as `file:line: reason`), and writes its bars as a bar cache,
 * `DIR/SYMBOL.tpbars` (docs/scale-out.md, "The bar cache"), which
 * `optimize --data` and the queue's workers read without parsing. No
 * market calendar is applied: every valid row is kept (a sweep's plan
 * decides which bars lie in its session), and daily rows span midnight to
 * midnight in `--timezone`.
 */
export async function runDataImport(file: string, rawOptions: DataImportCommandOptions, io: CliIO): Promise<number> {
  const o = parseOptions(DataImportOptionsSchema, rawOptions);
  const path = resolve(io.cwd, file);
  const shown = displayPath(path, io.cwd);
  const symbol = o.symbol ?? symbolFromFileName(path);
  if (symbol === undefined) throw new UsageError(`cannot tell the symbol of \`${shown}\` from its name: give --symbol`);
  const out = resolve(io.cwd, o.out);
  try {
    await mkdir(out, { recursive: true });
  } catch (e) {
    throw new UsageError(`--out: cannot make the folder \`${displayPath(out, io.cwd)}\`: ${describeFsError(e)}`);
  }
  const builder = new BarColumnsBuilder(1 << 15);
  let rejected = 0;
  const onReject = (r: RejectedRow) => {
    if (rejected++ < MAX_REJECTS_SHOWN) io.stderr.write(`${shown}:${r.line}: ${r.reason}\n`);
  };
  let summary: Awaited<ReturnType<typeof readCsvFile>>;
  try {
    summary = await readCsvFile(
      path,
      { symbol, timezone: o.timezone, timestamps: o.timestamps, adjust: o.adjust },
      (b) => builder.add(b),
      onReject,
    );
  } catch (e) {
    if (e instanceof CsvFormatError) throw new UsageError(e.message.replace(path, shown));
    throw e;
  }
  if (rejected > MAX_REJECTS_SHOWN)
    io.stderr.write(`... ${rejected - MAX_REJECTS_SHOWN} more rows rejected (${rejected} in all)\n`);
  const columns = builder.finish(
    { rows: summary.rows, rejected: summary.rejected, rejectedByReason: summary.rejectedByReason },
    { symbol, timeframe: summary.timeframe },
  );
  if (columns.length === 0) throw new UsageError(`\`${shown}\` has no valid bars; nothing was written`);
  const { writeBarCache, short } = await import("@tradeplan/queue/cache");
  let written: Awaited<ReturnType<typeof writeBarCache>>;
  try {
    written = await writeBarCache(out, columns, {
      file: basename(path),
      timezone: o.timezone,
      timestamps: o.timestamps,
      adjust: o.adjust,
    });
  } catch (e) {
    throw new UsageError(`cannot write the bar cache in \`${displayPath(out, io.cwd)}\`: ${describeFsError(e)}`);
  }
  const h = written.header;
  io.stdout.write(
    `${h.symbol}: ${h.bars.toLocaleString("en-US")} ${h.timeframe} bars (${summary.rows.toLocaleString("en-US")} rows, ${summary.rejected} rejected) -> ${displayPath(written.path, io.cwd)} ${short(h.checksum)}\n`,
  );
  return EXIT.ok;
}
