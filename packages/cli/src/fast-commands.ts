/**
 * The commands that run from one bundle (dist/fast.cjs, made by
 * scripts/bundle.mjs) under a V8 code cache, so that a linter in a
 * pre-commit hook or on save starts at once: they load the compiler only,
 * never the runtime, SQLite, IBKR or the language server. Each one's module
 * is commands/NAME.js.
 */
export const FAST_COMMANDS: readonly string[] = ["check", "fmt", "explain"];
