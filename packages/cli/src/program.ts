import { Command, CommanderError, Option } from "commander";
import { registerAudit } from "./commands/audit.js";
import { registerBacktest } from "./commands/backtest.js";
import { CHECK_FORMATS, type CheckOptions, runCheck } from "./commands/check.js";
import { runCompile } from "./commands/compile.js";
import { registerDemo } from "./commands/demo.js";
import { runExplain } from "./commands/explain.js";
import { runFmt } from "./commands/fmt.js";
import { registerInit } from "./commands/init.js";
import { registerLsp } from "./commands/lsp.js";
import { registerRun } from "./commands/run.js";
import { registerTest } from "./commands/test.js";
import { EXIT, UsageError } from "./errors.js";
import type { CliIO } from "./io.js";
import { sanitize } from "./render/text.js";
import { VERSION } from "./version.js";

/** What a command registration gets: the I/O to use and where to put the exit code. */
export interface ProgramContext {
  readonly io: CliIO;
  setExitCode(code: number): void;
}

/** Adds one command to the program (used by each command module, including backtest and demo). */
export type CommandRegistrar = (program: Command, ctx: ProgramContext) => void;

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
      ctx.setExitCode(await runFmt(paths, opts, ctx.io));
    });
};

const registerExplain: CommandRegistrar = (program, ctx) => {
  program
    .command("explain")
    .description("explain a diagnostic code, with a wrong and a right example")
    .argument("<code>", "a code such as E0201")
    .action((code: string) => {
      ctx.setExitCode(runExplain(code, ctx.io));
    });
};

/** The commands of the program, in help order. */
export const COMMANDS: readonly CommandRegistrar[] = [
  registerCheck,
  registerCompile,
  registerFmt,
  registerExplain,
  registerBacktest,
  registerDemo,
  registerAudit,
  registerLsp,
  registerTest,
  registerInit,
  registerRun,
];

/** Builds the commander program writing to `io`; commands report their exit code through `setExitCode`. */
export function buildProgram(
  io: CliIO,
  setExitCode: (code: number) => void,
  commands: readonly CommandRegistrar[] = COMMANDS,
): Command {
  const program = new Command("tradeplan")
    .description("check, compile, format and run .plan trading rules")
    .version(VERSION, "-V, --version", "print the version")
    .helpOption("-h, --help", "show help")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      getOutHelpWidth: () => 100,
      getErrHelpWidth: () => 100,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    });
  const ctx: ProgramContext = { io, setExitCode };
  for (const register of commands) register(program, ctx);
  return program;
}

/**
 * Runs the CLI in-process: parses `argv` (the arguments after the program
 * name), runs the command and returns its exit code. Never throws and never
 * exits the process: usage and internal errors are printed to `io.stderr`
 * and returned as exit code 2.
 */
export async function run(
  argv: readonly string[],
  io: CliIO,
  commands: readonly CommandRegistrar[] = COMMANDS,
): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram(
    io,
    (code) => {
      exitCode = code;
    },
    commands,
  );
  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has printed its message (or the help/version) already.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof UsageError) {
      io.stderr.write(`error: ${sanitize(e.message)}\n`);
      return EXIT.usage;
    }
    const message = e instanceof Error ? e.message : String(e);
    io.stderr.write(`error: ${sanitize(message)}\n`);
    if (io.env.TRADEPLAN_DEBUG && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
    return EXIT.usage;
  }
}
