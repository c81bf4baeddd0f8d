import { BrowserMessageReader, BrowserMessageWriter, createConnection } from "vscode-languageserver/browser.js";
import { type ServerOptions, startServer } from "./server.js";

/** What the browser transport reads from and writes to: a dedicated worker's global scope, a `Worker` or a `MessagePort`. */
export type BrowserScope = ConstructorParameters<typeof BrowserMessageReader>[0];

/**
 * Starts the language server inside a web worker, talking LSP over
 * `postMessage`. Call it from the worker script with the worker's global
 * scope (`startBrowserServer(self)`); the page side connects with
 * `BrowserMessageReader/Writer` on the `Worker` object.
 */
export function startBrowserServer(scope: BrowserScope, options: ServerOptions = {}): void {
  const connection = createConnection(new BrowserMessageReader(scope), new BrowserMessageWriter(scope));
  startServer(connection, options);
}
