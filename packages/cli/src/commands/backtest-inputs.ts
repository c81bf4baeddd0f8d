import { readFile, stat } from "node:fs/promises";
import { basename, extname, resolve } from "node:path";
import { type BacktestResult, Instruments, type PaperBrokerOptions, resolveInstruments } from "@tradeplan/core";
import { type InstrumentIssue, parseCommission, parseSlippage } from "@tradeplan/core/internal";
import type { TradeplanConfig } from "@tradeplan/live/config";
import type { SymbolFile } from "@tradeplan/live/files";
import { describeFsError, UsageError } from "../errors.js";
import type { CliIO } from "../io.js";
import { displayPath } from "../source.js";

/**
 * The parts of `tradeplan backtest` that say what is traded and what it
 * costs: `--data` as one file, a folder of SYMBOL.csv files or repeated
 * SYMBOL=FILE; `--cash`, `--commission`, `--slippage` over `--config`'s
 * `broker.paper`; `instruments:` and `fx:` checked against the plan.
 */

/** `SYMBOL=FILE`: a symbol as plans write them, then the file. */
const SYMBOL_FILE = /^([A-Za-z0-9._\-/^]+)=(.+)$/;

/** One `--data` file, resolved, with the symbol it is for and how it is shown. */
export interface DataFile extends SymbolFile {
  readonly shown: string;
}

/**
 * The files of a backtest from `--data` values: one FILE (its symbol is
 * `symbolOf()`: `--symbol`, or the plan's only symbol), one folder (every
 * `*.csv` in it, each named by the symbol its bars are for: `NVDA.csv`), or
 * SYMBOL=FILE pairs. Every plan symbol needs exactly one file, and every
 * file a plan symbol, or nothing runs.
 */
export async function dataFiles(
  values: readonly string[],
  traded: readonly string[],
  symbolOf: () => string,
  io: CliIO,
): Promise<DataFile[]> {
  const shown = (p: string) => displayPath(p, io.cwd);
  const pairs = values.map((v) => SYMBOL_FILE.exec(v));
  const paired = pairs.filter((m) => m !== null).length;
  if (paired > 0 && paired < values.length)
    throw new UsageError("--data: give one FILE, one folder, or SYMBOL=FILE for every symbol, not a mix");
  let files: DataFile[];
  if (paired > 0) {
    files = pairs.map((m) => {
      const path = resolve(io.cwd, m?.[2] ?? "");
      return { symbol: m?.[1] ?? "", file: path, shown: shown(path) };
    });
    for (const f of files)
      if (!traded.includes(f.symbol))
        throw new UsageError(
          `--data ${f.symbol}=${f.shown}: the plan does not trade ${f.symbol} (it trades ${traded.join(", ")})`,
        );
  } else {
    if (values.length > 1)
      throw new UsageError("--data: several files need their symbols: --data SYMBOL=FILE for each, or one folder");
    const path = resolve(io.cwd, values[0] ?? "");
    const kind = await io.fs.kind(path).catch((e: unknown) => {
      throw new UsageError(`cannot read \`${shown(path)}\`: ${describeFsError(e)}`);
    });
    if (kind === "directory") files = await folderFiles(path, traded, io);
    else {
      const one = { symbol: symbolOf(), file: path, shown: shown(path) };
      await checkFile(one);
      return [one];
    }
  }
  const seen = new Map<string, DataFile>();
  for (const f of files) {
    const before = seen.get(f.symbol);
    if (before) throw new UsageError(`--data: two files for ${f.symbol}: \`${before.shown}\` and \`${f.shown}\``);
    seen.set(f.symbol, f);
  }
  const missing = traded.filter((s) => !seen.has(s));
  if (missing.length > 0)
    throw new UsageError(
      `--data: no file for ${missing.join(", ")}; the plan trades ${traded.join(", ")} and every symbol needs its bars (${paired > 0 ? "add SYMBOL=FILE" : `add ${missing[0]}.csv to the folder`})`,
    );
  for (const f of files) await checkFile(f);
  return files;
}

/** The `*.csv` files of a folder, each named by a plan symbol (the case of the name may differ). */
async function folderFiles(dir: string, traded: readonly string[], io: CliIO): Promise<DataFile[]> {
  const shownDir = displayPath(dir, io.cwd);
  let entries: Awaited<ReturnType<typeof io.fs.readDir>>;
  try {
    entries = await io.fs.readDir(dir);
  } catch (e) {
    throw new UsageError(`cannot read the folder \`${shownDir}\`: ${describeFsError(e)}`);
  }
  const csv = entries.filter((e) => e.kind === "file" && extname(e.name).toLowerCase() === ".csv");
  if (csv.length === 0)
    throw new UsageError(`--data ${shownDir}: the folder has no .csv file (one per symbol: NVDA.csv)`);
  const out: DataFile[] = [];
  for (const e of csv.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const name = basename(e.name, extname(e.name));
    const symbol = traded.find((s) => s === name) ?? traded.find((s) => s.toLowerCase() === name.toLowerCase());
    const path = resolve(dir, e.name);
    if (symbol === undefined)
      throw new UsageError(
        `--data ${shownDir}: \`${displayPath(path, io.cwd)}\` is named by no symbol of the plan (it trades ${traded.join(", ")}; name each file SYMBOL.csv)`,
      );
    out.push({ symbol, file: path, shown: displayPath(path, io.cwd) });
  }
  return out;
}

async function checkFile(f: DataFile): Promise<void> {
  try {
    const st = await stat(f.file);
    if (!st.isFile()) throw new UsageError(`\`${f.shown}\` is not a file`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read \`${f.shown}\`: ${describeFsError(e)}`);
  }
}

/** The cost flags as given (validated by {@link costFlags}). */
export interface CostFlags {
  readonly cash?: string | undefined;
  readonly commission?: string | undefined;
  readonly slippage?: string | undefined;
}

/**
 * The paper broker's settings: `--config`'s `broker.paper` (or the
 * defaults) with `--cash`, `--commission` and `--slippage` over it. A flag
 * replaces its setting whole, shorthand keys (`commissionPerShare`, ...)
 * included.
 */
export function brokerSettings(
  paper: TradeplanConfig["broker"]["paper"] | undefined,
  flags: CostFlags,
  fillAt: "next_open" | "close" | undefined,
): PaperBrokerOptions {
  const { commissionPerShare, commissionMinimum, slippageBps, commission, slippage, ...rest } = paper ?? {};
  const out: PaperBrokerOptions = { ...rest };
  const commissionPart =
    flags.commission !== undefined
      ? { commission: checked("--commission", flags.commission, parseCommission) }
      : {
          ...(commission !== undefined ? { commission } : {}),
          ...(commissionPerShare !== undefined ? { commissionPerShare } : {}),
          ...(commissionMinimum !== undefined ? { commissionMinimum } : {}),
        };
  const slippagePart =
    flags.slippage !== undefined
      ? { slippage: checked("--slippage", flags.slippage, parseSlippage) }
      : {
          ...(slippage !== undefined ? { slippage } : {}),
          ...(slippageBps !== undefined ? { slippageBps } : {}),
        };
  return {
    ...out,
    ...commissionPart,
    ...slippagePart,
    ...(flags.cash !== undefined ? { initialCash: cashOf(flags.cash) } : {}),
    ...(fillAt !== undefined ? { fillAt } : {}),
  };
}

function checked<T>(flag: string, text: string, parse: (t: string) => T | string): string {
  const r = parse(text);
  if (typeof r === "string") throw new UsageError(`invalid ${flag}: ${r}`);
  return text;
}

function cashOf(text: string): number {
  const v = /^[0-9]+(?:\.[0-9]+)?$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!(v > 0 && Number.isFinite(v)))
    throw new UsageError(`invalid --cash: "${text}" is not an amount > 0 (e.g. 50000)`);
  return v;
}

/**
 * The run's instruments: `instruments:` and `fx:` of the config file
 * resolved for the plan's symbols (US-dollar stocks without a file). A
 * problem is a UsageError listing each at its line in the file.
 */
export async function planInstruments(
  config: { readonly value: TradeplanConfig; readonly path: string } | undefined,
  traded: readonly string[],
  io: CliIO,
): Promise<Instruments> {
  if (config === undefined) return Instruments.stocks();
  const r = resolveInstruments(config.value.instruments, config.value.fx, traded);
  if (!Array.isArray(r)) return r;
  throw new UsageError(await located(config.path, r, io));
}

/** Problems at their lines in the config file (without lines when it cannot be read again). */
async function located(path: string, issues: readonly InstrumentIssue[], io: CliIO): Promise<string> {
  const shown = displayPath(path, io.cwd);
  const { configIssuesError } = await import("@tradeplan/live/config");
  try {
    return configIssuesError(await readFile(path, "utf8"), shown, issues).message;
  } catch {
    return `${shown}: ${issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`;
  }
}

/** Slippage in ticks needs every traded symbol's tick size: checked before anything runs. */
export function checkTickSlippage(
  broker: PaperBrokerOptions,
  instruments: Instruments,
  traded: readonly string[],
): void {
  const s = broker.slippage;
  const m = typeof s === "string" ? parseSlippage(s) : s;
  const ticks = m === undefined || typeof m === "string" ? 0 : "ticks" in m ? m.ticks : 0;
  if (ticks === 0) return;
  const without = traded.filter((t) => instruments.spec(t).tickSize === undefined);
  if (without.length > 0)
    throw new UsageError(
      `slippage in ticks needs a tick size: declare instruments.${without[0]}.tick_size in the --config file${without.length > 1 ? ` (also for ${without.slice(1).join(", ")})` : ""}`,
    );
}

const money = (v: number) =>
  `${v < 0 ? "-" : ""}${Math.abs(v).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** The per-symbol lines of the summary (a plan trading several symbols). */
export function renderSymbolStats(result: BacktestResult): string[] {
  const per = result.perSymbol;
  if (per === undefined || Object.keys(per).length < 2) return [];
  const out = ["", `  symbol       trades  won  lost  win rate     net P&L (${result.currency ?? "USD"})  commissions`];
  for (const [symbol, s] of Object.entries(per)) {
    out.push(
      `  ${symbol.padEnd(10)}  ${String(s.trades).padStart(6)}  ${String(s.wins).padStart(3)}  ${String(s.losses).padStart(4)}  ${`${s.winRate.toFixed(1)}%`.padStart(8)}  ${money(s.netPnl).padStart(17)}  ${money(s.commissions).padStart(11)}`,
    );
  }
  return out;
}
