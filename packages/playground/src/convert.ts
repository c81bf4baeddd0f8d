import type { LspCompletionItem, LspDiagnostic, LspHover, LspRange, LspTextEdit } from "./protocol.js";

/**
 * Pure conversions between LSP shapes (0-based lines and characters) and
 * Monaco shapes (1-based lines and columns). Monaco's enums are passed in,
 * so this module runs (and is tested) without a browser.
 */

/** A Monaco range (`monaco.IRange`). */
export interface EditorRange {
  startLineNumber: number;
  startColumn: number;
  endLineNumber: number;
  endColumn: number;
}

/** One change of a Monaco content-change event (`monaco.editor.IModelContentChange`). */
export interface EditorChange {
  readonly range: EditorRange;
  readonly rangeLength: number;
  readonly text: string;
}

export function toEditorRange(r: LspRange): EditorRange {
  return {
    startLineNumber: r.start.line + 1,
    startColumn: r.start.character + 1,
    endLineNumber: r.end.line + 1,
    endColumn: r.end.character + 1,
  };
}

export function toLspRange(r: EditorRange): LspRange {
  return {
    start: { line: r.startLineNumber - 1, character: r.startColumn - 1 },
    end: { line: r.endLineNumber - 1, character: r.endColumn - 1 },
  };
}

export function toLspPosition(p: { lineNumber: number; column: number }): { line: number; character: number } {
  return { line: p.lineNumber - 1, character: p.column - 1 };
}

/**
 * Monaco's content changes as LSP incremental changes. Monaco lists the
 * changes of one edit so that applying them one after the other is right,
 * which is also how LSP applies `contentChanges`.
 */
export function toContentChanges(
  changes: readonly EditorChange[],
): { range: LspRange; rangeLength: number; text: string }[] {
  return changes.map((c) => ({ range: toLspRange(c.range), rangeLength: c.rangeLength, text: c.text }));
}

/** LSP's `CompletionTriggerKind` (1-based) for Monaco's (0-based: invoke, trigger character, incomplete). */
export function lspTriggerKind(monacoKind: number): 1 | 2 | 3 {
  return monacoKind === 1 ? 2 : monacoKind === 2 ? 3 : 1;
}

/** The keys of Monaco's `MarkerSeverity` enum. */
export interface SeverityEnum<S> {
  readonly Error: S;
  readonly Warning: S;
  readonly Info: S;
  readonly Hint: S;
}

/** A Monaco marker (`monaco.editor.IMarkerData`). */
export interface MarkerLike<S> extends EditorRange {
  severity: S;
  message: string;
  source?: string;
  code?: string | { value: string; target: string };
}

export function toMarker<S>(d: LspDiagnostic, severities: SeverityEnum<S>): MarkerLike<S> {
  const severity =
    d.severity === 2
      ? severities.Warning
      : d.severity === 3
        ? severities.Info
        : d.severity === 4
          ? severities.Hint
          : severities.Error;
  const marker: MarkerLike<S> = { ...toEditorRange(d.range), severity, message: d.message };
  if (d.source !== undefined) marker.source = d.source;
  if (d.code !== undefined) {
    marker.code = d.codeDescription ? { value: String(d.code), target: d.codeDescription.href } : String(d.code);
  }
  return marker;
}

/** LSP `CompletionItemKind` (1-based) by the name Monaco's `CompletionItemKind` enum uses. */
const COMPLETION_KIND_NAMES = [
  "Text",
  "Method",
  "Function",
  "Constructor",
  "Field",
  "Variable",
  "Class",
  "Interface",
  "Module",
  "Property",
  "Unit",
  "Value",
  "Enum",
  "Keyword",
  "Snippet",
  "Color",
  "File",
  "Reference",
  "Folder",
  "EnumMember",
  "Constant",
  "Struct",
  "Event",
  "Operator",
  "TypeParameter",
] as const;

export type CompletionKindName = (typeof COMPLETION_KIND_NAMES)[number];

/** Monaco's completion kind for an LSP kind (`Text` when absent). */
export function completionKind<K>(kind: number | undefined, kinds: Record<CompletionKindName, K>): K {
  const name = kind === undefined ? undefined : COMPLETION_KIND_NAMES[kind - 1];
  return kinds[name ?? "Text"];
}

/** Markdown for Monaco (`monaco.IMarkdownString`). */
export interface Markdown {
  value: string;
}

function fence(language: string, value: string): string {
  return "```" + language + "\n" + value + "\n```";
}

export function toMarkdown(doc: string | { kind: "plaintext" | "markdown"; value: string }): Markdown {
  if (typeof doc === "string") return { value: doc };
  return { value: doc.kind === "markdown" ? doc.value : fence("", doc.value) };
}

/** Hover contents in any of LSP's three forms, as a list of Markdown strings. */
export function hoverContents(h: NonNullable<LspHover>): Markdown[] {
  const one = (c: string | { language: string; value: string }): Markdown =>
    typeof c === "string" ? { value: c } : { value: fence(c.language, c.value) };
  const c = h.contents;
  if (Array.isArray(c)) return c.map(one);
  if (typeof c === "object" && "kind" in c) return [toMarkdown(c)];
  return [one(c)];
}

/** A Monaco completion item without the enum-typed fields, which the caller fills. */
export interface CompletionShape {
  label: string;
  insertText: string;
  asSnippet: boolean;
  range: EditorRange | { insert: EditorRange; replace: EditorRange };
  detail?: string;
  documentation?: Markdown;
  sortText?: string;
  filterText?: string;
  preselect?: boolean;
  additionalTextEdits?: { range: EditorRange; text: string }[];
}

/**
 * An LSP completion item as Monaco wants it. `wordRange` is where the word
 * at the cursor lies: the range replaced when the item has no `textEdit`.
 */
export function toCompletion(item: LspCompletionItem, wordRange: EditorRange): CompletionShape {
  const edit = item.textEdit;
  const out: CompletionShape = {
    label: item.label,
    insertText: edit ? edit.newText : (item.insertText ?? item.label),
    asSnippet: item.insertTextFormat === 2,
    range: !edit
      ? wordRange
      : "range" in edit
        ? toEditorRange(edit.range)
        : { insert: toEditorRange(edit.insert), replace: toEditorRange(edit.replace) },
  };
  if (item.detail !== undefined) out.detail = item.detail;
  if (item.documentation !== undefined) out.documentation = toMarkdown(item.documentation);
  if (item.sortText !== undefined) out.sortText = item.sortText;
  if (item.filterText !== undefined) out.filterText = item.filterText;
  if (item.preselect !== undefined) out.preselect = item.preselect;
  if (item.additionalTextEdits) {
    out.additionalTextEdits = item.additionalTextEdits.map((e) => ({ range: toEditorRange(e.range), text: e.newText }));
  }
  return out;
}

/** LSP text edits as Monaco edits (`monaco.languages.TextEdit`). */
export function toEditorEdits(edits: readonly LspTextEdit[]): { range: EditorRange; text: string }[] {
  return edits.map((e) => ({ range: toEditorRange(e.range), text: e.newText }));
}
