import type { Readable, Writable } from "node:stream";
import { startStdioServer } from "@tradeplan/lsp/node";
import type { Command } from "commander";
import { z } from "zod";
import { UsageError } from "../errors.js";
import type { CommandRegistrar } from "../program.js";
import { parseOptions } from "./shared.js";

const LspOptionsSchema = z.object({ stdio: z.boolean().default(false) });

export type LspOptions = z.input<typeof LspOptionsSchema>;

/**
 * `tradeplan lsp --stdio`: runs the language server for an editor. Unlike
 * other commands it talks to the real stdin/stdout (the LSP transport), not
 * to `CliIO`, and the process lives until the client sends `exit`.
 */
export function runLsp(rawOptions: LspOptions, streams: { stdin: Readable; stdout: Writable }): void {
  const options = parseOptions(LspOptionsSchema, rawOptions);
  if (!options.stdio) {
    throw new UsageError("the language server talks over stdio only: run `tradeplan lsp --stdio`");
  }
  startStdioServer(streams.stdin, streams.stdout);
}

export const registerLsp: CommandRegistrar = (program: Command) => {
  program
    .command("lsp")
    .description("run the language server for editors (LSP over stdin/stdout)")
    .option("--stdio", "talk LSP over stdin and stdout", false)
    .action((opts: LspOptions) => {
      runLsp(opts, { stdin: process.stdin, stdout: process.stdout });
    });
};
