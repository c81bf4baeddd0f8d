import { Command, CommanderError } from "commander";
import { COMMANDS } from "./commands/register.js";
import { EXIT, UsageError } from "./errors.js";
import type { CliIO } from "./io.js";
import { sanitize } from "./render/text.js";

export { COMMANDS };

import { VERSION } from "./version.js";

/** What a command registration gets: the I/O to use and where to put the exit code. */
export interface ProgramContext {
  readonly io: CliIO;
  setExitCode(code: number): void;
}

/** Adds one command to the program (commands/register.ts holds them all). */
export type CommandRegistrar = (program: Command, ctx: ProgramContext) => void;

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
