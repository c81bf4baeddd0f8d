import type * as Monaco from "monaco-editor/editor";
import {
  BrowserMessageReader,
  BrowserMessageWriter,
  CompletionRequest,
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DocumentFormattingRequest,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  LogMessageNotification,
  type ProtocolConnection,
  PublishDiagnosticsNotification,
  ShowMessageNotification,
  TextDocumentSyncKind,
} from "vscode-languageserver-protocol/browser";
import type { z } from "zod";
import {
  completionKind,
  type EditorRange,
  hoverContents,
  lspTriggerKind,
  toCompletion,
  toContentChanges,
  toEditorEdits,
  toEditorRange,
  toLspPosition,
  toMarker,
} from "./convert.js";
import { LANGUAGE_ID } from "./language.js";
import {
  CompletionResultSchema,
  HoverResultSchema,
  InitializeResultSchema,
  type LspInitializeResult,
  PublishDiagnosticsSchema,
  readPayload,
  TextEditsResultSchema,
} from "./protocol.js";

/** Owner name of the markers this client sets. */
export const MARKER_OWNER = "tradeplan";

export interface LanguageClientOptions {
  readonly monaco: typeof Monaco;
  readonly worker: Worker;
  readonly model: Monaco.editor.ITextModel;
  /** Messages the server shows the user (`window/showMessage`) and client-side problems. */
  readonly onMessage?: (kind: "error" | "warning" | "info", text: string) => void;
}

/**
 * A hand-written LSP client for one Monaco model: JSON-RPC over the worker's
 * `postMessage`, document sync (didOpen, incremental didChange), diagnostics
 * as markers, and completion, hover and formatting as Monaco providers.
 * Every payload from the server is checked (protocol.ts) before use.
 */
export class PlaygroundLanguageClient {
  private readonly connection: ProtocolConnection;
  private readonly disposables: Monaco.IDisposable[] = [];
  private capabilities: LspInitializeResult["capabilities"] = {};
  /** Resolves once the first diagnostics for the current version arrived (tests wait on it). */
  private diagnosticsWaiters: { version: number; resolve: () => void }[] = [];
  private lastDiagnosticsVersion = -1;

  constructor(private readonly options: LanguageClientOptions) {
    this.connection = createProtocolConnection(
      new BrowserMessageReader(options.worker),
      new BrowserMessageWriter(options.worker),
    );
  }

  private report(kind: "error" | "warning" | "info", text: string): void {
    if (this.options.onMessage) this.options.onMessage(kind, text);
    else console[kind === "info" ? "log" : kind === "warning" ? "warn" : "error"](text);
  }

  private get uri(): string {
    return this.options.model.uri.toString();
  }

  /** Initializes the server, opens the model and registers the providers. */
  async start(): Promise<LspInitializeResult> {
    const { monaco, model } = this.options;
    const c = this.connection;
    c.onNotification(PublishDiagnosticsNotification.type, (raw) => this.onDiagnostics(raw));
    c.onNotification(ShowMessageNotification.type, (p) =>
      this.report(p.type === 1 ? "error" : p.type === 2 ? "warning" : "info", p.message),
    );
    c.onNotification(LogMessageNotification.type, (p) => {
      if (p.type === 1) this.report("error", p.message);
    });
    c.onError(([error]) => this.report("error", `language server connection: ${error.message}`));
    c.listen();

    const raw = await c.sendRequest(InitializeRequest.type, {
      processId: null,
      rootUri: null,
      workspaceFolders: null,
      clientInfo: { name: "tradeplan-playground" },
      capabilities: {
        textDocument: {
          synchronization: { didSave: false, dynamicRegistration: false },
          publishDiagnostics: { relatedInformation: false, versionSupport: true, codeDescriptionSupport: true },
          completion: {
            completionItem: { snippetSupport: true, documentationFormat: ["markdown", "plaintext"] },
            contextSupport: true,
          },
          hover: { contentFormat: ["markdown", "plaintext"] },
          formatting: { dynamicRegistration: false },
        },
      },
    });
    const init = readPayload(InitializeResultSchema, "initialize", raw);
    this.capabilities = init.capabilities;
    await c.sendNotification(InitializedNotification.type, {});

    await c.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: this.uri, languageId: LANGUAGE_ID, version: model.getVersionId(), text: model.getValue() },
    });
    this.disposables.push(model.onDidChangeContent((e) => void this.onChange(e)));
    this.registerProviders(monaco);
    return init;
  }

  private syncKind(): number {
    const s = this.capabilities.textDocumentSync;
    if (typeof s === "number") return s;
    return s?.change ?? TextDocumentSyncKind.None;
  }

  private async onChange(e: Monaco.editor.IModelContentChangedEvent): Promise<void> {
    const kind = this.syncKind();
    if (kind === TextDocumentSyncKind.None) return;
    const model = this.options.model;
    const contentChanges =
      kind === TextDocumentSyncKind.Incremental ? toContentChanges(e.changes) : [{ text: model.getValue() }];
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: this.uri, version: e.versionId },
      contentChanges,
    });
  }

  private onDiagnostics(raw: unknown): void {
    const { monaco, model } = this.options;
    let params: ReturnType<typeof PublishDiagnosticsSchema.parse>;
    try {
      params = readPayload(PublishDiagnosticsSchema, "textDocument/publishDiagnostics", raw);
    } catch (e) {
      this.report("error", e instanceof Error ? e.message : String(e));
      return;
    }
    if (params.uri !== this.uri) return;
    // Diagnostics for an older text would point at the wrong places; a newer publish follows.
    if (params.version !== undefined && params.version < model.getVersionId()) return;
    monaco.editor.setModelMarkers(
      model,
      MARKER_OWNER,
      params.diagnostics.map((d) => {
        const { code, ...marker } = toMarker(d, monaco.MarkerSeverity);
        if (code === undefined) return marker;
        return {
          ...marker,
          code: typeof code === "string" ? code : { ...code, target: monaco.Uri.parse(code.target) },
        };
      }),
    );
    const version = params.version ?? model.getVersionId();
    this.lastDiagnosticsVersion = version;
    const ready = this.diagnosticsWaiters.filter((w) => w.version <= version);
    this.diagnosticsWaiters = this.diagnosticsWaiters.filter((w) => w.version > version);
    for (const w of ready) w.resolve();
  }

  /** Resolves when diagnostics for the model's current version (or a later one) have been applied. */
  diagnosticsSettled(): Promise<void> {
    const version = this.options.model.getVersionId();
    if (this.lastDiagnosticsVersion >= version) return Promise.resolve();
    return new Promise((resolve) => this.diagnosticsWaiters.push({ version, resolve }));
  }

  /**
   * Sends a request and checks the answer. A failed, cancelled or malformed
   * answer yields `undefined` (the editor shows nothing) and, unless it was
   * a cancellation, a message saying which request and why.
   */
  private async call<T>(method: string, send: () => Promise<unknown>, schema: z.ZodType<T>): Promise<T | undefined> {
    let raw: unknown;
    try {
      raw = await send();
    } catch (e) {
      // RequestCancelled (-32800) and ContentModified (-32801) are normal while typing.
      const code = typeof e === "object" && e !== null && "code" in e ? e.code : undefined;
      if (code !== -32800 && code !== -32801) {
        this.report("error", `${method} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      return undefined;
    }
    try {
      return readPayload(schema, method, raw);
    } catch (e) {
      this.report("error", e instanceof Error ? e.message : String(e));
      return undefined;
    }
  }

  private registerProviders(monaco: typeof Monaco): void {
    const c = this.connection;
    const caps = this.capabilities;
    const docId = () => ({ uri: this.uri });
    if (caps.completionProvider) {
      this.disposables.push(
        monaco.languages.registerCompletionItemProvider(LANGUAGE_ID, {
          triggerCharacters: caps.completionProvider.triggerCharacters ?? [],
          provideCompletionItems: async (model, position, context, token) => {
            const result = await this.call(
              "textDocument/completion",
              () =>
                c.sendRequest(
                  CompletionRequest.type,
                  {
                    textDocument: docId(),
                    position: toLspPosition(position),
                    context: {
                      triggerKind: lspTriggerKind(context.triggerKind),
                      ...(context.triggerCharacter !== undefined ? { triggerCharacter: context.triggerCharacter } : {}),
                    },
                  },
                  token,
                ),
              CompletionResultSchema,
            );
            if (result === undefined || result === null) return { suggestions: [] };
            const items = Array.isArray(result) ? result : result.items;
            const word = model.getWordUntilPosition(position);
            const wordRange: EditorRange = {
              startLineNumber: position.lineNumber,
              startColumn: word.startColumn,
              endLineNumber: position.lineNumber,
              endColumn: word.endColumn,
            };
            return {
              incomplete: !Array.isArray(result) && result.isIncomplete,
              suggestions: items.map((item) => {
                const s = toCompletion(item, wordRange);
                const { asSnippet, ...rest } = s;
                return {
                  ...rest,
                  kind: completionKind(item.kind, monaco.languages.CompletionItemKind),
                  ...(asSnippet
                    ? { insertTextRules: monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet }
                    : {}),
                };
              }),
            };
          },
        }),
      );
    }
    if (caps.hoverProvider) {
      this.disposables.push(
        monaco.languages.registerHoverProvider(LANGUAGE_ID, {
          provideHover: async (_model, position, token) => {
            const hover = await this.call(
              "textDocument/hover",
              () =>
                c.sendRequest(HoverRequest.type, { textDocument: docId(), position: toLspPosition(position) }, token),
              HoverResultSchema,
            );
            if (hover === undefined || hover === null) return null;
            return {
              contents: hoverContents(hover),
              ...(hover.range ? { range: toEditorRange(hover.range) } : {}),
            };
          },
        }),
      );
    }
    if (caps.documentFormattingProvider) {
      this.disposables.push(
        monaco.languages.registerDocumentFormattingEditProvider(LANGUAGE_ID, {
          provideDocumentFormattingEdits: async (_model, options, token) => {
            const edits = await this.call(
              "textDocument/formatting",
              () =>
                c.sendRequest(
                  DocumentFormattingRequest.type,
                  { textDocument: docId(), options: { tabSize: options.tabSize, insertSpaces: options.insertSpaces } },
                  token,
                ),
              TextEditsResultSchema,
            );
            return edits ? toEditorEdits(edits) : [];
          },
        }),
      );
    }
  }

  /** Unregisters the providers, clears the markers and closes the connection. */
  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    this.options.monaco.editor.setModelMarkers(this.options.model, MARKER_OWNER, []);
    this.connection.dispose();
  }
}
