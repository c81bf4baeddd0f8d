import {
  type AnalyzeOptions,
  type AnalyzeResult,
  createIncrementalAnalyzer,
  type IncrementalAnalyzer,
} from "@tradeplan/dsl";
import type { TextDocument } from "vscode-languageserver-textdocument";
import type { Settings } from "./settings.js";

/** One document's text at one version and what `analyze` found in it. */
export interface DocumentAnalysis {
  readonly uri: string;
  readonly version: number;
  readonly text: string;
  /** Undefined when the document is longer than `maxDocumentLength` (not analysed live) or analysis failed. */
  readonly result: AnalyzeResult | undefined;
  /** Why there is no result, for the user. */
  readonly skipped?: string;
}

/** Timers, injectable so that unit tests control time; defaults to the global ones (Node, browsers and workers all have them). */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const globalTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface AnalyzerOptions {
  readonly settings: () => Settings;
  /** Called with every fresh analysis (to publish diagnostics). Never called for a closed document. */
  readonly onAnalyzed: (analysis: DocumentAnalysis) => void;
  /** Called when `analyze` throws (a bug in the checker): the server logs it and stays up. */
  readonly onError?: (uri: string, error: unknown) => void;
  readonly timers?: Timers;
}

/** The plan name a document gets when it has no `plan` statement: its file name, as the CLI does. */
export function fileNameOf(uri: string): string {
  const path = uri.replace(/[?#].*$/, "").replace(/^[A-Za-z][A-Za-z0-9+.-]*:/, "");
  const last = path.slice(path.lastIndexOf("/") + 1);
  try {
    return decodeURIComponent(last) || "untitled";
  } catch {
    return last || "untitled";
  }
}

/**
 * Analyses open documents: debounced after edits, immediately when a
 * request needs fresh results. Analysis is synchronous, so the newest
 * version always wins: a pending (debounced) run is dropped when a newer
 * edit arrives or a request flushes it, and a cached result is reused only
 * for the exact version it was computed for.
 *
 * Each open document has its own incremental analyzer (`@tradeplan/dsl`'s
 * `createIncrementalAnalyzer`): a keystroke re-parses and re-checks only
 * the lines it changed, with results equal to a full `analyze`. Only the
 * newest analysis of a document is read (its AST shares objects with the
 * next one), which is what the cache below keeps.
 */
export class Analyzer {
  private readonly cache = new Map<string, DocumentAnalysis>();
  private readonly pending = new Map<string, unknown>();
  /** Per document: its incremental analyzer and the options it was made for (settings may change them). */
  private readonly incremental = new Map<string, { key: string; analyzer: IncrementalAnalyzer }>();
  private readonly timers: Timers;

  constructor(private readonly options: AnalyzerOptions) {
    this.timers = options.timers ?? globalTimers;
  }

  /** A document was opened or edited: analyse it once edits pause for `debounceMs`. */
  changed(doc: TextDocument): void {
    this.cancelPending(doc.uri);
    const delay = this.options.settings().debounceMs;
    if (delay === 0) {
      this.get(doc);
      return;
    }
    const handle = this.timers.set(() => {
      this.pending.delete(doc.uri);
      this.get(doc);
    }, delay);
    this.pending.set(doc.uri, handle);
  }

  /** The analysis of the document's current version, computed now (and published) if it is not cached. */
  get(doc: TextDocument): DocumentAnalysis {
    const known = this.cache.get(doc.uri);
    if (known && known.version === doc.version) return known;
    this.cancelPending(doc.uri);
    const analysis = this.run(doc);
    this.cache.set(doc.uri, analysis);
    this.options.onAnalyzed(analysis);
    return analysis;
  }

  /** The last analysis of a document, whatever its version (for requests that tolerate a stale view). */
  peek(uri: string): DocumentAnalysis | undefined {
    return this.cache.get(uri);
  }

  /** Forgets a closed document: no analysis of it runs or is published after this. */
  closed(uri: string): void {
    this.cancelPending(uri);
    this.cache.delete(uri);
    this.incremental.delete(uri);
  }

  /** Re-analyses every cached document (settings changed). */
  refresh(docs: readonly TextDocument[]): void {
    for (const d of docs) {
      this.cache.delete(d.uri);
      this.changed(d);
    }
  }

  /** Whether a debounced analysis is waiting (tests and the benchmark use it). */
  isPending(uri: string): boolean {
    return this.pending.has(uri);
  }

  /** The document's incremental analyzer, made anew when the options (from the settings) changed. */
  private analyzerFor(uri: string, options: AnalyzeOptions): IncrementalAnalyzer {
    const key = JSON.stringify(options);
    const known = this.incremental.get(uri);
    if (known && known.key === key) return known.analyzer;
    const analyzer = createIncrementalAnalyzer(options);
    this.incremental.set(uri, { key, analyzer });
    return analyzer;
  }

  private cancelPending(uri: string): void {
    const h = this.pending.get(uri);
    if (h !== undefined) {
      this.timers.clear(h);
      this.pending.delete(uri);
    }
  }

  private run(doc: TextDocument): DocumentAnalysis {
    const settings = this.options.settings();
    const text = doc.getText();
    const base = { uri: doc.uri, version: doc.version, text };
    if (text.length > settings.maxDocumentLength) {
      return {
        ...base,
        result: undefined,
        skipped: `this document has ${text.length} characters, more than the ${settings.maxDocumentLength} analysed live (setting \`maxDocumentLength\`); run \`tradeplan check\` on it`,
      };
    }
    const options: AnalyzeOptions = {
      fileName: fileNameOf(doc.uri),
      compile: true,
      ...(settings.symbol !== undefined ? { symbol: settings.symbol } : {}),
      ...(settings.barCacheSize !== undefined ? { barCacheSize: settings.barCacheSize } : {}),
    };
    try {
      return { ...base, result: this.analyzerFor(doc.uri, options).update(text) };
    } catch (e) {
      // Whatever state the analyzer had may be inconsistent now: the next run starts from scratch.
      this.incremental.delete(doc.uri);
      this.options.onError?.(doc.uri, e);
      return {
        ...base,
        result: undefined,
        skipped: `internal error while checking: ${e instanceof Error ? e.message : String(e)}`,
      };
    }
  }
}
