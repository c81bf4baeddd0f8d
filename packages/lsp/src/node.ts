import type { Readable, Writable } from "node:stream";
import { createConnection, ProposedFeatures } from "vscode-languageserver/node.js";
import { type ServerOptions, startServer } from "./server.js";

/**
 * Starts the language server on the transport named by the command line
 * (`--stdio`, `--node-ipc`, `--socket=N` or `--pipe=NAME`, as
 * vscode-languageserver reads them from `process.argv`).
 */
export function startNodeServer(options: ServerOptions = {}): void {
  const connection = createConnection(ProposedFeatures.all);
  startServer(connection, options);
}

/** Starts the language server over the given streams (the CLI passes stdin and stdout). */
export function startStdioServer(input: Readable, output: Writable, options: ServerOptions = {}): void {
  const connection = createConnection(ProposedFeatures.all, input, output);
  startServer(connection, options);
}
