import { z } from "zod";

/**
 * Zod schemas of the LSP payloads the playground reads from the language
 * server. The worker is ours, but a payload is still input: a malformed one
 * is reported with the method and the field instead of breaking the editor.
 * Only the fields the page uses are checked; unknown fields pass through.
 */

const PositionSchema = z.object({ line: z.number().int().min(0), character: z.number().int().min(0) });
export const RangeSchema = z.object({ start: PositionSchema, end: PositionSchema });

const MarkupContentSchema = z.object({ kind: z.enum(["plaintext", "markdown"]), value: z.string() });
const MarkedStringSchema = z.union([z.string(), z.object({ language: z.string(), value: z.string() })]);

export const DiagnosticSchema = z.object({
  range: RangeSchema,
  severity: z.number().int().min(1).max(4).optional(),
  code: z.union([z.string(), z.number()]).optional(),
  codeDescription: z.object({ href: z.string() }).optional(),
  source: z.string().optional(),
  message: z.string(),
  tags: z.array(z.number().int()).optional(),
});

export const PublishDiagnosticsSchema = z.object({
  uri: z.string(),
  version: z.number().int().optional(),
  diagnostics: z.array(DiagnosticSchema),
});

export const TextEditSchema = z.object({ range: RangeSchema, newText: z.string() });
const InsertReplaceEditSchema = z.object({ newText: z.string(), insert: RangeSchema, replace: RangeSchema });

export const CompletionItemSchema = z.object({
  label: z.string(),
  kind: z.number().int().min(1).max(25).optional(),
  detail: z.string().optional(),
  documentation: z.union([z.string(), MarkupContentSchema]).optional(),
  sortText: z.string().optional(),
  filterText: z.string().optional(),
  insertText: z.string().optional(),
  insertTextFormat: z.union([z.literal(1), z.literal(2)]).optional(),
  textEdit: z.union([TextEditSchema, InsertReplaceEditSchema]).optional(),
  additionalTextEdits: z.array(TextEditSchema).optional(),
  preselect: z.boolean().optional(),
  commitCharacters: z.array(z.string()).optional(),
});

export const CompletionResultSchema = z
  .union([z.array(CompletionItemSchema), z.object({ isIncomplete: z.boolean(), items: z.array(CompletionItemSchema) })])
  .nullable();

export const HoverResultSchema = z
  .object({
    contents: z.union([MarkupContentSchema, MarkedStringSchema, z.array(MarkedStringSchema)]),
    range: RangeSchema.optional(),
  })
  .nullable();

export const TextEditsResultSchema = z.array(TextEditSchema).nullable();

/** The parts of the server's `initialize` answer the page acts on. */
export const InitializeResultSchema = z.object({
  capabilities: z.object({
    textDocumentSync: z
      .union([z.number().int(), z.object({ change: z.number().int().optional(), openClose: z.boolean().optional() })])
      .optional(),
    completionProvider: z
      .object({ triggerCharacters: z.array(z.string()).optional(), resolveProvider: z.boolean().optional() })
      .optional(),
    hoverProvider: z.union([z.boolean(), z.object({})]).optional(),
    documentFormattingProvider: z.union([z.boolean(), z.object({})]).optional(),
  }),
  serverInfo: z.object({ name: z.string(), version: z.string().optional() }).optional(),
});

export type LspRange = z.infer<typeof RangeSchema>;
export type LspDiagnostic = z.infer<typeof DiagnosticSchema>;
export type LspCompletionItem = z.infer<typeof CompletionItemSchema>;
export type LspCompletionResult = z.infer<typeof CompletionResultSchema>;
export type LspHover = z.infer<typeof HoverResultSchema>;
export type LspTextEdit = z.infer<typeof TextEditSchema>;
export type LspInitializeResult = z.infer<typeof InitializeResultSchema>;

/** A payload from the server that does not have the shape LSP prescribes. */
export class LspPayloadError extends Error {
  readonly code = "PG_LSP_PAYLOAD";
  constructor(
    readonly method: string,
    readonly issues: string,
  ) {
    super(`language server sent a malformed ${method} payload: ${issues}`);
    this.name = "LspPayloadError";
  }
}

/** Parses `value` as the payload of `method`; throws {@link LspPayloadError} naming the bad field. */
export function readPayload<T>(schema: z.ZodType<T>, method: string, value: unknown): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length > 0 ? i.path.join(".") : "(root)"}: ${i.message}`)
    .join("; ");
  throw new LspPayloadError(method, issues);
}
