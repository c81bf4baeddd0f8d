import { startNodeServer } from "@tradeplan/lsp/node";

// Entry of dist/server.js: the language server the extension bundles, started
// by vscode-languageclient with the transport flag on the command line.
startNodeServer();
