import { describe, expect, it } from "vitest";
import {
  type CompletionKindName,
  completionKind,
  hoverContents,
  lspTriggerKind,
  toCompletion,
  toContentChanges,
  toEditorEdits,
  toMarker,
} from "../src/convert.js";
import {
  CompletionResultSchema,
  HoverResultSchema,
  LspPayloadError,
  PublishDiagnosticsSchema,
  readPayload,
} from "../src/protocol.js";

const KINDS: Record<CompletionKindName, string> = {
  Text: "text",
  Method: "method",
  Function: "function",
  Constructor: "constructor",
  Field: "field",
  Variable: "variable",
  Class: "class",
  Interface: "interface",
  Module: "module",
  Property: "property",
  Unit: "unit",
  Value: "value",
  Enum: "enum",
  Keyword: "keyword",
  Snippet: "snippet",
  Color: "color",
  File: "file",
  Reference: "reference",
  Folder: "folder",
  EnumMember: "enummember",
  Constant: "constant",
  Struct: "struct",
  Event: "event",
  Operator: "operator",
  TypeParameter: "typeparameter",
};
const SEVERITY = { Error: 8, Warning: 4, Info: 2, Hint: 1 };
const range = (l1: number, c1: number, l2: number, c2: number) => ({
  start: { line: l1, character: c1 },
  end: { line: l2, character: c2 },
});

describe("LSP to Monaco mapping", () => {
  it("turns diagnostics into 1-based markers with severity and a linked code", () => {
    const m = toMarker(
      {
        range: range(2, 18, 2, 25),
        severity: 1,
        code: "E0201",
        codeDescription: { href: "https://x/diagnostics.md#e0201" },
        source: "tradeplan",
        message: "unknown name",
      },
      SEVERITY,
    );
    expect(m).toEqual({
      startLineNumber: 3,
      startColumn: 19,
      endLineNumber: 3,
      endColumn: 26,
      severity: 8,
      message: "unknown name",
      source: "tradeplan",
      code: { value: "E0201", target: "https://x/diagnostics.md#e0201" },
    });
    expect(toMarker({ range: range(0, 0, 0, 1), severity: 2, message: "w" }, SEVERITY).severity).toBe(4);
    expect(toMarker({ range: range(0, 0, 0, 1), message: "no severity" }, SEVERITY).severity).toBe(8);
  });

  it("sends Monaco's edits as incremental LSP changes", () => {
    expect(
      toContentChanges([
        { range: { startLineNumber: 1, startColumn: 5, endLineNumber: 2, endColumn: 1 }, rangeLength: 4, text: "x" },
      ]),
    ).toEqual([{ range: range(0, 4, 1, 0), rangeLength: 4, text: "x" }]);
  });

  it("maps completion items: kinds, text edits, snippets, documentation", () => {
    expect(completionKind(14, KINDS)).toBe("keyword");
    expect(completionKind(3, KINDS)).toBe("function");
    expect(completionKind(25, KINDS)).toBe("typeparameter");
    expect(completionKind(undefined, KINDS)).toBe("text");
    const word = { startLineNumber: 1, startColumn: 3, endLineNumber: 1, endColumn: 5 };
    expect(toCompletion({ label: "above" }, word)).toEqual({
      label: "above",
      insertText: "above",
      asSnippet: false,
      range: word,
    });
    const c = toCompletion(
      {
        label: "sma",
        insertTextFormat: 2,
        textEdit: { range: range(0, 0, 0, 2), newText: "sma($1, $2)" },
        documentation: { kind: "markdown", value: "**simple** average" },
      },
      word,
    );
    expect(c.asSnippet).toBe(true);
    expect(c.insertText).toBe("sma($1, $2)");
    expect(c.range).toEqual({ startLineNumber: 1, startColumn: 1, endLineNumber: 1, endColumn: 3 });
    expect(c.documentation).toEqual({ value: "**simple** average" });
  });

  it("maps Monaco trigger kinds to LSP's", () => {
    expect([0, 1, 2].map(lspTriggerKind)).toEqual([1, 2, 3]);
  });

  it("reads hover contents in every LSP form", () => {
    expect(hoverContents({ contents: { kind: "markdown", value: "**x**" } })).toEqual([{ value: "**x**" }]);
    expect(hoverContents({ contents: "plain" })).toEqual([{ value: "plain" }]);
    expect(hoverContents({ contents: [{ language: "plan", value: "sma(x, N)" }, "doc"] })).toEqual([
      { value: "```plan\nsma(x, N)\n```" },
      { value: "doc" },
    ]);
  });

  it("maps formatting edits", () => {
    expect(toEditorEdits([{ range: range(0, 0, 3, 0), newText: "a\n" }])).toEqual([
      { range: { startLineNumber: 1, startColumn: 1, endLineNumber: 4, endColumn: 1 }, text: "a\n" },
    ]);
  });
});

describe("LSP payload checks", () => {
  it("accepts what the server sends", () => {
    const p = readPayload(PublishDiagnosticsSchema, "textDocument/publishDiagnostics", {
      uri: "inmemory://playground/demo.plan",
      version: 3,
      diagnostics: [{ range: range(0, 0, 0, 1), severity: 1, code: "E0201", message: "m", extra: true }],
    });
    expect(p.diagnostics).toHaveLength(1);
    expect(readPayload(CompletionResultSchema, "textDocument/completion", null)).toBeNull();
    expect(readPayload(HoverResultSchema, "textDocument/hover", null)).toBeNull();
  });

  it("rejects a malformed payload naming the method and the field", () => {
    const bad = () =>
      readPayload(PublishDiagnosticsSchema, "textDocument/publishDiagnostics", {
        uri: "u",
        diagnostics: [{ range: range(-1, 0, 0, 1), message: "m" }],
      });
    expect(bad).toThrow(LspPayloadError);
    expect(bad).toThrow(/publishDiagnostics payload: diagnostics\.0\.range\.start\.line/);
    expect(() => readPayload(CompletionResultSchema, "textDocument/completion", { items: "x" })).toThrow(
      /textDocument\/completion payload: /,
    );
    expect(() => readPayload(HoverResultSchema, "textDocument/hover", 42)).toThrow(/\(root\)/);
  });
});
