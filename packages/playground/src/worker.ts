import { startBrowserServer } from "@tradeplan/lsp/browser";

// The language server runs here, off the page's thread, and talks LSP over
// postMessage. `self` is the worker's global scope (typed as the page's
// `Window` because this package compiles against the DOM library).
startBrowserServer(self);
