/**
 * The language server as a program: `node --import tsx packages/lsp/src/main.ts --stdio`
 * (the transport flag is read by vscode-languageserver from the command line).
 */
import { startNodeServer } from "./node.js";

startNodeServer();
