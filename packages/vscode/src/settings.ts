import { z } from "zod";

/**
 * The extension's settings (`tradeplan.*` in VS Code), validated: they come
 * from user and workspace JSON, so a wrong value is reported with the
 * setting's name instead of reaching the server or the shell.
 */
export const ExtensionSettingsSchema = z.object({
  /** A `tradeplan` executable; empty: the bundled server. */
  serverPath: z.string().trim().max(4096, "is longer than 4096 characters").default(""),
  symbol: z.string().trim().max(32, "is longer than 32 characters").default(""),
  debounceMs: z.number().int().min(0).max(5000).default(75),
  barCacheSize: z.number().int().min(1).max(1_000_000).nullable().default(null),
  maxDocumentLength: z
    .number()
    .int()
    .min(1)
    .max(16 * 1024 * 1024)
    .default(1024 * 1024),
});

export type ExtensionSettings = z.output<typeof ExtensionSettingsSchema>;

/** Setting keys under `tradeplan.` by field. */
export const SETTING_KEYS: Record<keyof ExtensionSettings, string> = {
  serverPath: "server.path",
  symbol: "symbol",
  debounceMs: "debounceMs",
  barCacheSize: "barCacheSize",
  maxDocumentLength: "maxDocumentLength",
};

export type SettingsRead =
  | { readonly ok: true; readonly settings: ExtensionSettings }
  | { readonly ok: false; readonly settings: ExtensionSettings; readonly error: string };

/**
 * Reads the settings through `get` (VS Code's `WorkspaceConfiguration.get`).
 * Invalid values fall back to the defaults and the error names each bad
 * setting (`tradeplan.debounceMs: ...`), so a typo never stops the editor.
 */
export function readExtensionSettings(get: (key: string) => unknown): SettingsRead {
  const raw: Record<string, unknown> = {};
  for (const [field, key] of Object.entries(SETTING_KEYS)) {
    const v = get(key);
    if (v !== undefined) raw[field] = v;
  }
  const r = ExtensionSettingsSchema.safeParse(raw);
  if (r.success) return { ok: true, settings: r.data };
  const problems = r.error.issues
    .map((i) => {
      const field = i.path[0];
      const key =
        typeof field === "string" && field in SETTING_KEYS ? SETTING_KEYS[field as keyof ExtensionSettings] : "";
      return `tradeplan.${key}: ${i.message}`;
    })
    .join("; ");
  return { ok: false, settings: ExtensionSettingsSchema.parse({}), error: `invalid tradeplan settings: ${problems}` };
}

/**
 * The settings the language server understands (packages/lsp settings.ts),
 * sent as `initializationOptions` and in `workspace/didChangeConfiguration`.
 * The server rejects unknown fields, so client-only settings stay out.
 */
export function serverSettings(s: ExtensionSettings): Record<string, string | number> {
  const out: Record<string, string | number> = { debounceMs: s.debounceMs, maxDocumentLength: s.maxDocumentLength };
  if (s.symbol !== "") out.symbol = s.symbol;
  if (s.barCacheSize !== null) out.barCacheSize = s.barCacheSize;
  return out;
}

/** How to start the server: the bundled module on VS Code's Node, or `PATH lsp --stdio`. */
export type ServerLaunch =
  | { readonly kind: "module"; readonly module: string }
  | { readonly kind: "executable"; readonly command: string; readonly args: readonly string[] };

/** `bundledServer` is the absolute path of dist/server.js inside the installed extension. */
export function serverLaunch(s: ExtensionSettings, bundledServer: string): ServerLaunch {
  if (s.serverPath === "") return { kind: "module", module: bundledServer };
  // vscode-languageclient appends `--stdio` for the stdio transport.
  return { kind: "executable", command: s.serverPath, args: ["lsp"] };
}
