import type { Readable, Writable } from "node:stream";
import { startStdioServer } from "@tradeplan/lsp/node";
import { z } from "zod";
import { UsageError } from "../errors.js";
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
