import { defaultClientConditions, defineConfig } from "vite";

/**
 * The playground is a static site: `vite` serves it, `vite build` writes
 * dist/. Workers are ES modules (the language server worker imports the
 * compiler's source like the page does).
 */
export default defineConfig({
  base: "./",
  resolve: {
    // The workspace packages' TypeScript sources, not their built dist/.
    conditions: ["@tradeplan/source", ...defaultClientConditions],
  },
  worker: { format: "es" },
  // Pre-bundled up front so that the dev server does not discover them during the first page load and reload it.
  optimizeDeps: {
    include: [
      "monaco-editor/editor",
      "monaco-editor/features/register.all",
      "vscode-languageserver-protocol/browser",
      "zod",
      // Dependencies of the workspace packages, which Vite serves from source.
      "@tradeplan/lsp > vscode-languageserver/browser",
      "@tradeplan/lsp > vscode-languageserver-textdocument",
      "@tradeplan/dsl > chevrotain",
      "@tradeplan/core > luxon",
    ],
  },
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    // Monaco alone is a few MB; the warning would only repeat that.
    chunkSizeWarningLimit: 6000,
  },
  server: { host: "127.0.0.1" },
  preview: { host: "127.0.0.1" },
});
