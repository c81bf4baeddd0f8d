/**
 * The command line's surface: every command with its arguments and options,
 * each loading its implementation only when it runs. `tradeplan --version`
 * and `--help` therefore load no compiler and no runtime, `check`, `fmt` and
 * `explain` load the compiler but never the runtime, SQLite, IBKR or the
 * language server, and only `run` loads the live machinery.
 */
import { Option } from "commander";
import type { CommandRegistrar } from "../program.js";
import type { AuditAnchorCommandOptions, AuditQueryCommandOptions, AuditVerifyCommandOptions } from "./audit.js";
import type { BacktestCommandOptions } from "./backtest.js";
import type { CheckOptions } from "./check.js";
import { CHECK_FORMATS, DEFAULT_AUDIT_DB, DEMO_REPORT, LOG_FORMATS, TEST_FORMATS } from "./choices.js";
import type { DataImportCommandOptions } from "./data-import.js";
import type { DemoOptions } from "./demo.js";
import type { InitOptions } from "./init.js";
import type { LspOptions } from "./lsp.js";
import type { OptimizeCommandOptions } from "./optimize.js";
import type { RunCommandOptions } from "./run.js";
import type { TestCommandOptions } from "./test.js";
import type { WorkerCommandOptions } from "./worker.js";

/** `--set NAME=VALUE` for the commands that run plans: repeatable, each occurrence kept in order. */
const SET_FLAGS = "--set <name=value>";
const SET_HELP = "set a param of the plan to a value in its declared range (repeatable)";
function collectSet(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const registerCheck: CommandRegistrar = (program, ctx) => {
  program
    .command("check")
    .description("check plans for errors and warnings")
    .argument("<paths...>", "plan files, directories (searched for *.plan) or globs")
    .addOption(new Option("--format <format>", "output format").choices(CHECK_FORMATS).default("pretty"))
    .option("--symbol <symbol>", "symbol for plans that declare none")
    .option("--warnings-as-errors", "exit 1 when there are warnings", false)
    .option("--no-color", "never color the output")
    // Commander's values are untyped; `runCheck` validates them with zod.
    .action(async (paths: string[], opts: CheckOptions) => {
      const { runCheck } = await import("./check.js");
      ctx.setExitCode(await runCheck(paths, opts, ctx.io));
    });
};

const registerCompile: CommandRegistrar = (program, ctx) => {
  program
    .command("compile")
    .description("compile a plan to the compiled-plan JSON the runtime executes")
    .argument("<file>", "the plan file")
    .option("-o, --output <file>", "write the JSON to this file instead of stdout")
    .option("--symbol <symbol>", "symbol for a plan that declares none")
    .option("--no-color", "never color the diagnostics")
    .action(async (file: string, opts: { output?: string; symbol?: string; color: boolean }) => {
      const { runCompile } = await import("./compile.js");
      ctx.setExitCode(await runCompile(file, opts, ctx.io));
    });
};

const registerFmt: CommandRegistrar = (program, ctx) => {
  program
    .command("fmt")
    .description("format plans in the canonical layout")
    .argument("<paths...>", "plan files, directories or globs")
    .option("--check", "list the files that are not formatted; exit 3 if any", false)
    .option("--write", "rewrite the files in place", false)
    .option("--no-color", "never color the diagnostics")
    .action(async (paths: string[], opts: { check: boolean; write: boolean; color: boolean }) => {
      const { runFmt } = await import("./fmt.js");
      ctx.setExitCode(await runFmt(paths, opts, ctx.io));
    });
};

const registerExplain: CommandRegistrar = (program, ctx) => {
  program
    .command("explain")
    .description("explain a diagnostic code, with a wrong and a right example")
    .argument("<code>", "a code such as E0201")
    .action(async (code: string) => {
      const { runExplain } = await import("./explain.js");
      ctx.setExitCode(runExplain(code, ctx.io));
    });
};

/** Registers `tradeplan backtest`. */
const registerBacktest: CommandRegistrar = (program, ctx) => {
  program
    .command("backtest")
    .description("run a plan over historical bars from a CSV file")
    .argument("<plan>", "the plan file")
    .option(
      "--data <file>",
      "CSV bars: Date,Time,Open,High,Low,Close,Volume / Date,Open,...,Adj Close,Volume / timestamp,open,... (default: --config's feed.replay.file); a folder of SYMBOL.csv files, or SYMBOL=FILE repeated, backtests a portfolio in one account",
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option("--cash <amount>", "initial cash (default: --config's broker.paper.initialCash, else 100000)")
    .option(
      "--commission <model>",
      "commission per fill: 0.005/share,min=1,max=1% | 2.25/contract | 1.5/order | 0.1%,min=1 | 0 (default 0.005/share,min=1)",
    )
    .option("--slippage <amount>", "adverse slippage of market and stop fills: 2bp or 1tick (default 1bp)")
    .option(
      "--adjust",
      "scale open, high, low and close by Adj Close / Close (splits and dividends); default: as given",
    )
    .option(
      "--config <file>",
      "take the paper broker, risk limits, default size and the data's layout from this tradeplan.yaml (as tradeplan run)",
    )
    .option("--symbol <symbol>", "the symbol the data is for (required when the plan trades several)")
    .addOption(
      new Option(
        "--timestamps <which>",
        "whether intraday rows are stamped with the bar's open or close time (default: open)",
      ).choices(["open", "close"]),
    )
    .option("--tz <zone>", "IANA zone of naive times in the data (default: the plan's timezone)")
    .addOption(new Option("--format <format>", "output format").choices(["pretty", "json"]).default("pretty"))
    .option("--report <file>", "also write a self-contained HTML report")
    .addOption(
      new Option(
        "--fill <when>",
        "market orders fill at the next bar's open or at the decision bar's close (default: next-open)",
      ).choices(["next-open", "close"]),
    )
    .option("--audit <file>", "record every decision, order and fill in this SQLite audit journal")
    .option("--include-context", "with --audit: store each decision's bar, position and account, not only a digest")
    .option(
      "--explain <time>",
      "print every rule evaluated at this close (YYYY-MM-DD HH:MM in the plan's zone) with the values it decided on",
    )
    .option(SET_FLAGS, SET_HELP, collectSet)
    .option("--event-path", "send every bar through the engine (to compare with the columnar fast path)")
    .option("--verbose", "say on stderr which path the run took: columnar, or event and why")
    .option("--no-color", "never color the diagnostics")
    .action(async (plan: string, opts: BacktestCommandOptions) => {
      const { runBacktestCommand } = await import("./backtest.js");
      ctx.setExitCode(await runBacktestCommand(plan, opts, ctx.io));
    });
};

/** Registers `tradeplan demo`. */
const registerDemo: CommandRegistrar = (program, ctx) => {
  program
    .command("demo")
    .description("backtest the bundled example plan on bundled data and write an HTML report")
    .option("--report <file>", "where to write the report", DEMO_REPORT)
    .option("--no-color", "never color the output")
    .action(async (opts: DemoOptions) => {
      const { runDemo } = await import("./demo.js");
      ctx.setExitCode(await runDemo(opts, ctx.io));
    });
};

/** Registers `tradeplan audit verify|anchor|query|init`. */
const registerAudit: CommandRegistrar = (program, ctx) => {
  const audit = program
    .command("audit")
    .description(
      "verify, anchor or search an audit journal (an SQLite file or PostgreSQL, written by `backtest --audit` and `run`)",
    );
  const JOURNAL = `the journal: a file, or postgres://USER@HOST:PORT/DB (password in PGPASSWORD or ~/.pgpass) (default: $TRADEPLAN_AUDIT_DB or ${DEFAULT_AUDIT_DB})`;
  const ACCOUNT = "on PostgreSQL: whose chain (storage.account; default: default)";
  audit
    .command("verify")
    .description("recompute the hash chain; exit 1 and name the first bad record when it was tampered with")
    .argument("[db]", JOURNAL)
    .option("--account <name>", ACCOUNT)
    .option("--hmac-key-env <var>", "environment variable holding the HMAC key: also checks the signed checkpoints")
    .option("--anchor <file>", "a head printed by `audit anchor`: exit 1 if the journal was rolled back before it")
    .addOption(new Option("--format <format>", "output format").choices(["pretty", "json"]).default("pretty"))
    .action(async (db: string | undefined, opts: AuditVerifyCommandOptions) => {
      const { runAuditVerify } = await import("./audit.js");
      ctx.setExitCode(await runAuditVerify(db, opts, ctx.io));
    });
  audit
    .command("anchor")
    .description("verify, then print the chain head as JSON to keep elsewhere (`verify --anchor` detects rollbacks)")
    .argument("[db]", JOURNAL)
    .option("--account <name>", ACCOUNT)
    .option("--hmac-key-env <var>", "environment variable holding the HMAC key: verify the signatures first")
    .action(async (db: string | undefined, opts: AuditAnchorCommandOptions) => {
      const { runAuditAnchor } = await import("./audit.js");
      ctx.setExitCode(await runAuditAnchor(db, opts, ctx.io));
    });
  audit
    .command("query")
    .description("list records matching every filter, newest first")
    .argument("[db]", JOURNAL)
    .option("--account <name>", ACCOUNT)
    .option("--symbol <symbol>", "only this symbol")
    .option("--rule <id>", "only this rule (r5)")
    .option("--function <name>", "only this execution function")
    .option("--action <action>", "only this action (ENTER_LONG, EXIT, BUY, REJECTED, ...)")
    .option("--kind <kind>", "only this kind (evaluation, signal, suppressed, risk, order, fill, error, ...)")
    .option("--since <time>", "bar time at or after (ISO 8601 or epoch ms)")
    .option("--until <time>", "bar time before (ISO 8601 or epoch ms)")
    .option("--limit <n>", "most records shown", "100")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"))
    .action(async (db: string | undefined, opts: AuditQueryCommandOptions) => {
      const { runAuditQuery } = await import("./audit.js");
      ctx.setExitCode(await runAuditQuery(db, opts, ctx.io));
    });
  audit
    .command("init")
    .description("create the tables of a PostgreSQL journal and state store (once; `run` refuses a database without)")
    .argument("<url>", "postgres://USER@HOST:PORT/DB (password in PGPASSWORD or ~/.pgpass, TLS with ?sslmode=...)")
    .action(async (url: string) => {
      const { runAuditInit } = await import("./audit.js");
      ctx.setExitCode(await runAuditInit(url, ctx.io));
    });
};

const registerLsp: CommandRegistrar = (program) => {
  program
    .command("lsp")
    .description("run the language server for editors (LSP over stdin/stdout)")
    .option("--stdio", "talk LSP over stdin and stdout", false)
    .action(async (opts: LspOptions) => {
      const { runLsp } = await import("./lsp.js");
      runLsp(opts, { stdin: process.stdin, stdout: process.stdout });
    });
};

/** Registers `tradeplan test`. */
const registerTest: CommandRegistrar = (program, ctx) => {
  program
    .command("test")
    .description("run the plans' test files (*.plan.test.yaml) through the engine")
    .argument("[paths...]", "test files, plans (their sibling test files) or directories (default: .)")
    .addOption(new Option("--format <format>", "output format").choices(TEST_FORMATS).default("pretty"))
    .option("--coverage", "report which rules fired and which conditions were seen true and false", false)
    .option("--min-coverage <percent>", "exit 1 when rule or condition coverage is below this percent")
    .option("--run <name>", "only run cases whose name contains this text")
    .option(SET_FLAGS, `${SET_HELP}; every tested plan must declare it`, collectSet)
    .option("--no-color", "never color the output")
    .action(async (paths: string[], opts: TestCommandOptions) => {
      const { runTestCommand } = await import("./test.js");
      ctx.setExitCode(await runTestCommand(paths, opts, ctx.io));
    });
};

/** Registers `tradeplan init`. */
const registerInit: CommandRegistrar = (program, ctx) => {
  program
    .command("init")
    .description("create a starter plan, its tests, a tradeplan.yaml and a CI workflow")
    .argument("[dir]", "where to create them (default: .)")
    .option("--name <name>", "the plan's name (default: the directory's name)")
    .option("--force", "overwrite existing files", false)
    .action(async (dir: string | undefined, opts: InitOptions) => {
      const { runInit } = await import("./init.js");
      ctx.setExitCode(await runInit(dir, opts, ctx.io));
    });
};

/** Registers `tradeplan run`; SIGINT and SIGTERM stop the run gracefully. */
const registerRun: CommandRegistrar = (program, ctx) => {
  program
    .command("run")
    .description("run plans live on a feed and a broker, with crash-safe state and an audit journal")
    .argument("<plans...>", "the plan files")
    .option("--config <file>", "the configuration file", "tradeplan.yaml")
    .addOption(new Option("--broker <broker>", "where orders go (default: broker.type)").choices(["paper", "ib"]))
    .addOption(
      new Option("--feed <feed>", "where bars come from (default: feed.type)").choices(["sim", "replay", "ib"]),
    )
    .option("--audit <file>", "the SQLite database for the journal and the state (default: storage.database)")
    .option(
      "--ha <url>",
      "hot standby: lead the account while holding its lease in this PostgreSQL (journal and state there too), stand by otherwise",
    )
    .option("--duration <seconds>", "stop after this many seconds")
    .option(
      "--speed <speed>",
      "replay or simulation speed: market time per wall-clock time, or max (default: the feed's speed)",
    )
    .option("--result <file>", "write the backtest result document (as backtest --format json) here at the end")
    .option("--metrics-port <port>", "serve Prometheus metrics on this loopback port (0: any free port)")
    .addOption(
      new Option(
        "--log-format <format>",
        "readable lines with a status line, or JSON lines (auto: readable on a terminal)",
      )
        .choices(LOG_FORMATS)
        .default("auto"),
    )
    .option(SET_FLAGS, `${SET_HELP}; every plan run must declare it`, collectSet)
    .option("--no-color", "never color the diagnostics")
    .action(async (plans: string[], opts: RunCommandOptions) => {
      const abort = new AbortController();
      const onSignal = (sig: NodeJS.Signals) => abort.abort(`${sig} received`);
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        const { runLiveCommand } = await import("./run.js");
        ctx.setExitCode(await runLiveCommand(plans, opts, ctx.io, { signal: abort.signal }));
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });
};

/** `--param NAME=...` for optimize: repeatable, each occurrence kept in order. */
function collectParam(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Registers `tradeplan optimize`; SIGINT and SIGTERM stop the sweep, which writes what it has. */
const registerOptimize: CommandRegistrar = (program, ctx) => {
  program
    .command("optimize")
    .description(
      "sweep a plan's params over historical bars (grid or random search, walk-forward) and rank the variants",
    )
    .argument("<plan>", "the plan file (it must declare params)")
    .requiredOption(
      "--data <file>",
      "CSV bars of the plan's symbol (as backtest reads them), or its bar cache (SYMBOL.tpbars, from `data import`)",
    )
    .option(
      "--param <name=range>",
      "narrow or re-step a param (NAME=MIN..MAX[:STEP]) or fix it (NAME=VALUE); repeatable",
      collectParam,
    )
    .addOption(
      new Option("--objective <name>", "what to maximise (max_drawdown: minimise)")
        .choices(["net", "sharpe", "profit_factor", "max_drawdown"])
        .default("net"),
    )
    .option("--min-trades <n>", "rank only variants with at least this many closed trades (default 1)")
    .addOption(
      new Option("--search <method>", "try every variant, or a random sample")
        .choices(["grid", "random"])
        .default("grid"),
    )
    .option("--samples <n>", "variants a random search draws (default 100)")
    .option("--seed <n>", "seed of the random search (default 1, so runs repeat)")
    .option(
      "--walk-forward <windows>",
      'optimise each window in sample, then run the winner out of sample: "train=2w test=1w"',
    )
    .option("--anchored", "with --walk-forward: every train period starts at the data's start (default: rolling)")
    .option("--top <n>", "variants listed (default 10)")
    .addOption(new Option("--format <format>", "output format").choices(["pretty", "json", "csv"]).default("pretty"))
    .option("--out <file>", "also write a self-contained HTML report")
    .option("--max-variants <n>", "refuse a sweep of more variants than this (default 100000)")
    .option("--jobs <n>", "worker threads (default: the number of cores; 1: in this process)")
    .option(
      "--queue <url>",
      "send the variants as jobs to `tradeplan worker`s: postgres://USER@HOST:PORT/DB (password in PGPASSWORD or ~/.pgpass, TLS with ?sslmode=...); --data must be a bar cache",
    )
    .option("--cash <amount>", "initial cash (default: --config's broker.paper.initialCash, else 100000)")
    .option("--commission <model>", "commission per fill, as backtest takes it (default 0.005/share,min=1)")
    .option("--slippage <amount>", "adverse slippage of market and stop fills: 2bp or 1tick (default 1bp)")
    .addOption(
      new Option("--fill <when>", "market orders fill at the next bar's open or at the decision bar's close").choices([
        "next-open",
        "close",
      ]),
    )
    .option(
      "--config <file>",
      "take the paper broker, risk limits, default size and instruments from this tradeplan.yaml",
    )
    .option("--symbol <symbol>", "the symbol the data is for (required when the plan trades several)")
    .addOption(
      new Option("--timestamps <which>", "whether intraday rows are stamped with the bar's open or close time")
        .choices(["open", "close"])
        .default("open"),
    )
    .option("--tz <zone>", "IANA zone of naive times in the data (default: the plan's timezone)")
    .option("--adjust", "scale prices by Adj Close / Close")
    .option("--event-path", "send every variant's bars through the engine (to compare with the columnar fast path)")
    .option("--verbose", "say on stderr which path the variants take: columnar, or event and why")
    .option("--no-color", "never color the diagnostics")
    .action(async (plan: string, opts: OptimizeCommandOptions) => {
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        const { runOptimizeCommand } = await import("./optimize.js");
        ctx.setExitCode(await runOptimizeCommand(plan, opts, ctx.io, { signal: abort.signal }));
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });
};

/** Registers `tradeplan data import`. */
const registerData: CommandRegistrar = (program, ctx) => {
  const data = program.command("data").description("prepare bar data (a bar cache for sweeps on several machines)");
  data
    .command("import")
    .description(
      "read a CSV once and write its bars as a bar cache, DIR/SYMBOL.tpbars, for optimize --data and workers",
    )
    .argument("<file>", "the CSV file (as backtest reads it)")
    .requiredOption("--out <dir>", "the cache folder (made if missing; one file per symbol)")
    .option("--symbol <symbol>", "the symbol (default: the file name up to its first - _ or ., upper-cased)")
    .option("--timezone <zone>", "IANA zone of naive times in the file", "America/New_York")
    .addOption(
      new Option("--timestamps <which>", "whether intraday rows are stamped with the bar's open or close time")
        .choices(["open", "close"])
        .default("open"),
    )
    .option("--adjust", "scale prices by Adj Close / Close")
    .action(async (file: string, opts: DataImportCommandOptions) => {
      const { runDataImport } = await import("./data-import.js");
      ctx.setExitCode(await runDataImport(file, opts, ctx.io));
    });
};

/** Registers `tradeplan worker`; SIGTERM and SIGINT stop it cleanly (exit 0). */
const registerWorker: CommandRegistrar = (program, ctx) => {
  program
    .command("worker")
    .description("run the jobs of `optimize --queue` sweeps until stopped (SIGTERM), on any number of machines")
    .requiredOption(
      "--queue <url>",
      "postgres://USER@HOST:PORT/DB (password in PGPASSWORD or ~/.pgpass, TLS with ?sslmode=...)",
    )
    .option("--jobs <n>", "worker processes on this machine (one per core)", "1")
    .action(async (opts: WorkerCommandOptions) => {
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        const { runWorkerCommand } = await import("./worker.js");
        ctx.setExitCode(await runWorkerCommand(opts, ctx.io, { signal: abort.signal }));
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });
};

/** The commands of the program, in help order. */
export const COMMANDS: readonly CommandRegistrar[] = [
  registerCheck,
  registerCompile,
  registerFmt,
  registerExplain,
  registerBacktest,
  registerOptimize,
  registerData,
  registerWorker,
  registerDemo,
  registerAudit,
  registerLsp,
  registerTest,
  registerInit,
  registerRun,
];
