import {
  type CancellationToken,
  CodeActionKind,
  type Connection,
  type InitializeResult,
  LSPErrorCodes,
  MessageType,
  ResponseError,
  ShowMessageNotification,
  TextDocumentSyncKind,
  TextDocuments,
} from "vscode-languageserver";
import { TextDocument } from "vscode-languageserver-textdocument";
import { Analyzer, type DocumentAnalysis, type Timers } from "./analysis.js";
import { codeActions } from "./features/code-actions.js";
import { completions } from "./features/completion.js";
import { toLspDiagnostics } from "./features/diagnostics.js";
import { foldingRanges } from "./features/folding.js";
import { formatDocument } from "./features/formatting.js";
import { hover } from "./features/hover.js";
import { definition, prepareRename, references, rename } from "./features/names.js";
import { SEMANTIC_TOKENS_LEGEND, semanticTokens } from "./features/semantic-tokens.js";
import { signatureHelp } from "./features/signature-help.js";
import { documentSymbols } from "./features/symbols.js";
import { DEFAULT_SETTINGS, readSettings, type Settings } from "./settings.js";

/** Options for embedding the server (tests inject timers). */
export interface ServerOptions {
  readonly timers?: Timers;
}

/** The server's name and version, sent in `initialize`. */
export const SERVER_INFO = { name: "tradeplan-lsp", version: "0.1.0" } as const;

/** What a feature handler gets: the document's fresh analysis and the document itself. */
export interface RequestContext {
  readonly analysis: DocumentAnalysis;
  readonly doc: TextDocument;
  readonly settings: Settings;
}

/** Lets queued messages (a `$/cancelRequest`, a newer edit) be read before a request does its work. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function cancelled(): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, "request cancelled");
}

/**
 * Starts the `.plan` language server on a connection. Environment-neutral:
 * no Node APIs, so the Node (stdio) and browser (web worker) entries share it.
 */
export function startServer(connection: Connection, options: ServerOptions = {}): void {
  const documents = new TextDocuments(TextDocument);
  let settings: Settings = DEFAULT_SETTINGS;
  const warnedTooLarge = new Set<string>();

  const publish = (a: DocumentAnalysis): void => {
    // A document closed meanwhile gets nothing more: its diagnostics were cleared on close.
    if (!documents.get(a.uri)) return;
    if (a.result === undefined && a.skipped !== undefined && !warnedTooLarge.has(a.uri)) {
      warnedTooLarge.add(a.uri);
      void connection.sendNotification(ShowMessageNotification.type, {
        type: MessageType.Warning,
        message: `tradeplan: ${a.skipped}`,
      });
    }
    if (a.result !== undefined) warnedTooLarge.delete(a.uri);
    void connection.sendDiagnostics({
      uri: a.uri,
      version: a.version,
      diagnostics: a.result ? toLspDiagnostics(a.result.diagnostics, a.uri, settings.docsUrl) : [],
    });
  };

  const analyzer = new Analyzer({
    settings: () => settings,
    onAnalyzed: publish,
    onError: (uri, e) =>
      connection.console.error(
        `internal error while checking ${uri}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
      ),
    ...(options.timers ? { timers: options.timers } : {}),
  });

  const applySettings = (value: unknown, where: string): void => {
    const r = readSettings(value, where);
    if (!r.ok) {
      connection.console.error(r.error);
      void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Error, message: r.error });
    }
    settings = r.settings;
  };

  /**
   * Runs a document request on fresh analysis. It first yields one turn so
   * that a cancellation or a newer edit already sent is seen; a cancelled
   * request answers RequestCancelled, and one whose document changed
   * meanwhile ContentModified (its positions refer to the older text).
   */
  const onDocument = async <R>(
    uri: string,
    token: CancellationToken,
    empty: R,
    run: (ctx: RequestContext) => R,
  ): Promise<R | ResponseError<void>> => {
    const before = documents.get(uri)?.version;
    await nextTurn();
    if (token.isCancellationRequested) return cancelled();
    const doc = documents.get(uri);
    if (!doc) return empty;
    if (before !== undefined && doc.version !== before) {
      return new ResponseError(LSPErrorCodes.ContentModified, "the document changed while the request waited");
    }
    const analysis = analyzer.get(doc);
    if (token.isCancellationRequested) return cancelled();
    return run({ analysis, doc, settings });
  };

  let snippets = false;
  connection.onInitialize((params): InitializeResult => {
    applySettings(params.initializationOptions, "initializationOptions");
    snippets = params.capabilities.textDocument?.completion?.completionItem?.snippetSupport === true;
    return {
      serverInfo: SERVER_INFO,
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        completionProvider: { triggerCharacters: [" ", "(", ","] },
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: true,
        documentFormattingProvider: true,
        semanticTokensProvider: { legend: SEMANTIC_TOKENS_LEGEND, full: true },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        foldingRangeProvider: true,
        signatureHelpProvider: { triggerCharacters: ["(", ","], retriggerCharacters: [","] },
      },
    };
  });

  connection.onDidChangeConfiguration((change) => {
    const section = (change.settings as { tradeplan?: unknown } | null | undefined)?.tradeplan;
    if (section === undefined) return;
    applySettings(section, "workspace/didChangeConfiguration (tradeplan)");
    analyzer.refresh(documents.all());
  });

  documents.onDidChangeContent((e) => analyzer.changed(e.document));
  documents.onDidClose((e) => {
    analyzer.closed(e.document.uri);
    warnedTooLarge.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  registerFeatures(connection, onDocument, () => snippets);
  documents.listen(connection);
  connection.listen();
}

/** Runs a request against a document's fresh analysis (see `startServer`). */
export type OnDocument = <R>(
  uri: string,
  token: CancellationToken,
  empty: R,
  run: (ctx: RequestContext) => R,
) => Promise<R | ResponseError<void>>;

/** Wires each feature module to its request; every handler runs through `onDocument`. */
function registerFeatures(connection: Connection, onDocument: OnDocument, snippets: () => boolean): void {
  connection.onCompletion((p, token) =>
    onDocument(p.textDocument.uri, token, [], ({ analysis, doc }) =>
      completions(analysis, doc.offsetAt(p.position), snippets()),
    ),
  );
  connection.onHover((p, token) =>
    onDocument(p.textDocument.uri, token, null, ({ analysis, doc }) =>
      hover(analysis, doc.offsetAt(p.position), p.position.line),
    ),
  );
  connection.onDefinition((p, token) =>
    onDocument(p.textDocument.uri, token, null, ({ analysis, doc }) =>
      definition(analysis, doc.offsetAt(p.position), p.position.line),
    ),
  );
  connection.onReferences((p, token) =>
    onDocument(p.textDocument.uri, token, [], ({ analysis, doc }) =>
      references(analysis, doc.offsetAt(p.position), p.position.line, p.context.includeDeclaration),
    ),
  );
  connection.onPrepareRename((p, token) =>
    onDocument(p.textDocument.uri, token, null, ({ analysis, doc }) =>
      prepareRename(analysis, doc.offsetAt(p.position), p.position.line),
    ),
  );
  connection.onRenameRequest(async (p, token) => {
    const r = await onDocument(p.textDocument.uri, token, null, ({ analysis, doc }) =>
      rename(analysis, doc.offsetAt(p.position), p.position.line, p.newName),
    );
    // `rename` answers a ResponseError for a bad name; the connection sends it as the error response.
    return r;
  });
  connection.onDocumentSymbol((p, token) =>
    onDocument(p.textDocument.uri, token, [], ({ analysis }) => documentSymbols(analysis)),
  );
  connection.onDocumentFormatting((p, token) =>
    onDocument(p.textDocument.uri, token, [], ({ doc }) => formatDocument(doc)),
  );
  connection.languages.semanticTokens.on((p, token) =>
    onDocument(p.textDocument.uri, token, { data: [] }, ({ analysis, doc }) => semanticTokens(analysis, doc)),
  );
  connection.onCodeAction((p, token) =>
    onDocument(p.textDocument.uri, token, [], ({ analysis }) => codeActions(analysis, p.range, p.context.diagnostics)),
  );
  connection.onFoldingRanges((p, token) =>
    onDocument(p.textDocument.uri, token, [], ({ analysis }) => foldingRanges(analysis.text)),
  );
  connection.onSignatureHelp((p, token) =>
    onDocument(p.textDocument.uri, token, null, ({ doc }) => signatureHelp(doc.getText(), doc.offsetAt(p.position))),
  );
}
