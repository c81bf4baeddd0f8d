import { DIAGNOSTICS_DOC_URL } from "@tradeplan/dsl";
import { z } from "zod";

/** Largest document analysed live by default (bytes of UTF-16 text): a plan is a page; 1 MiB is ~14,000 lines. */
export const DEFAULT_MAX_DOCUMENT_LENGTH = 1024 * 1024;
/** The most the limit may be raised to: the CLI's own file-size ceiling. */
export const MAX_DOCUMENT_LENGTH_CEILING = 16 * 1024 * 1024;

/**
 * The server's settings, from `initializationOptions` or the `tradeplan`
 * section of `workspace/didChangeConfiguration`. Every field is optional;
 * unknown fields are rejected so that a misspelled setting is reported.
 */
export const SettingsSchema = z
  .object({
    /** Quiet time after an edit before the document is analysed again (ms). */
    debounceMs: z.number().int().min(0).max(5000).default(75),
    /** Symbol for plans that declare none (the CLI's `--symbol`). */
    symbol: z
      .string()
      .trim()
      .min(1)
      .max(32)
      .regex(/^[A-Za-z0-9._\-/^=]+$/, "may hold only letters, digits and `. _ - / ^ =`")
      .optional(),
    /** Bars each stream may keep (lookbacks beyond it are E0306). */
    barCacheSize: z.number().int().min(1).max(1_000_000).optional(),
    /** Base URL of the diagnostics reference; `#e0201` is appended. */
    docsUrl: z.url().default(DIAGNOSTICS_DOC_URL),
    /** Documents longer than this many characters are not analysed live. */
    maxDocumentLength: z.number().int().min(1).max(MAX_DOCUMENT_LENGTH_CEILING).default(DEFAULT_MAX_DOCUMENT_LENGTH),
  })
  .strict();

export type Settings = z.output<typeof SettingsSchema>;
export type SettingsInput = z.input<typeof SettingsSchema>;

export const DEFAULT_SETTINGS: Settings = SettingsSchema.parse({});

/** The outcome of reading settings: valid ones, or the defaults and a message saying where and why. */
export type SettingsResult =
  | { readonly ok: true; readonly settings: Settings }
  | { readonly ok: false; readonly settings: Settings; readonly error: string };

/**
 * Validates settings sent by a client. `undefined`/`null` mean "use the
 * defaults"; anything invalid keeps the defaults and says which field was
 * wrong, so a bad editor configuration never stops the server.
 */
export function readSettings(value: unknown, where: string): SettingsResult {
  if (value === undefined || value === null) return { ok: true, settings: DEFAULT_SETTINGS };
  const r = SettingsSchema.safeParse(value);
  if (r.success) return { ok: true, settings: r.data };
  const problems = r.error.issues
    .map((i) => `${i.path.length > 0 ? i.path.join(".") : "(settings)"}: ${i.message}`)
    .join("; ");
  return { ok: false, settings: DEFAULT_SETTINGS, error: `invalid tradeplan settings in ${where}: ${problems}` };
}
