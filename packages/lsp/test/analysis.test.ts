import { analyze } from "@tradeplan/dsl";
import { describe, expect, it } from "vitest";
import { TextDocument } from "vscode-languageserver-textdocument";
import { Analyzer, type DocumentAnalysis, fileNameOf, type Timers } from "../src/analysis.js";
import { DEFAULT_SETTINGS, readSettings, type Settings } from "../src/settings.js";

/** Timers the test fires by hand. */
function manualTimers(): Timers & { fire(): void; count(): number } {
  const queue = new Map<number, () => void>();
  let next = 1;
  return {
    set(fn) {
      const id = next++;
      queue.set(id, fn);
      return id;
    },
    clear(h) {
      queue.delete(h as number);
    },
    fire() {
      const fns = [...queue.values()];
      queue.clear();
      for (const f of fns) f();
    },
    count: () => queue.size,
  };
}

function setup(settings: Partial<Settings> = {}) {
  const timers = manualTimers();
  const published: DocumentAnalysis[] = [];
  const errors: string[] = [];
  const analyzer = new Analyzer({
    settings: () => ({ ...DEFAULT_SETTINGS, ...settings }),
    onAnalyzed: (a) => published.push(a),
    onError: (uri) => errors.push(uri),
    timers,
  });
  return { timers, published, errors, analyzer };
}

const URI = "file:///p/a.plan";

function edit(doc: TextDocument, text: string): void {
  TextDocument.update(doc, [{ text }], doc.version + 1);
}

describe("Analyzer", () => {
  it("debounces edits: only the last version is analysed", () => {
    const { timers, published, analyzer } = setup();
    const doc = TextDocument.create(URI, "tradeplan", 1, "on 5m close > 1 enter long\n");
    analyzer.changed(doc);
    edit(doc, "on 5m close > 2 enter long\n");
    analyzer.changed(doc);
    expect(timers.count()).toBe(1);
    expect(published).toEqual([]);
    timers.fire();
    expect(published.map((p) => p.version)).toEqual([2]);
  });

  it("flushes a pending analysis when a request needs it, and reuses it for the same version", () => {
    const { timers, published, analyzer } = setup();
    const doc = TextDocument.create(URI, "tradeplan", 1, 'plan "x"\nsymbol AAPL\non 5m close > nope enter long\n');
    analyzer.changed(doc);
    const a = analyzer.get(doc);
    expect(a.result?.diagnostics.map((d) => d.code)).toEqual(["E0201"]);
    expect(timers.count()).toBe(0);
    expect(analyzer.get(doc)).toBe(a);
    expect(published).toHaveLength(1);
  });

  it("publishes nothing for a document closed while its analysis waits", () => {
    const { timers, published, analyzer } = setup();
    const doc = TextDocument.create(URI, "tradeplan", 1, "on 5m close > 1 enter long\n");
    analyzer.changed(doc);
    analyzer.closed(URI);
    timers.fire();
    expect(published).toEqual([]);
    expect(analyzer.peek(URI)).toBeUndefined();
  });

  it("analyses at once with a zero debounce", () => {
    const { published, analyzer } = setup({ debounceMs: 0 });
    analyzer.changed(TextDocument.create(URI, "tradeplan", 1, "on 5m close > 1 enter long\n"));
    expect(published).toHaveLength(1);
  });

  it("skips documents over the size limit with a reason", () => {
    const { analyzer } = setup({ maxDocumentLength: 10 });
    const a = analyzer.get(TextDocument.create(URI, "tradeplan", 1, "on 5m close > 1 enter long\n"));
    expect(a.result).toBeUndefined();
    expect(a.skipped).toMatch(/27 characters, more than the 10 analysed live/);
  });

  it("analyses each edit incrementally, equal to a full analysis of the new text", () => {
    const { analyzer } = setup();
    const lines = [
      'plan "p"',
      "symbol AAPL",
      "let level = 150",
      "on 5m close above level enter long",
      "on 1h close > 2 exit",
    ];
    const doc = TextDocument.create(URI, "tradeplan", 1, lines.join("\n"));
    const options = { fileName: "a.plan", compile: true };
    const texts = [
      lines.join("\n"),
      [...lines.slice(0, 3), "on 5m close above levle enter long", ...lines.slice(4)].join("\n"),
      ["# top", ...lines].join("\r\n"),
      ["# top", ...lines.slice(0, 2), "let level = 151", ...lines.slice(3)].join("\n"),
    ];
    for (const [i, text] of texts.entries()) {
      if (i > 0) edit(doc, text);
      const r = analyzer.get(doc).result;
      const full = analyze(text, options);
      expect(r?.ast).toEqual(full.ast);
      expect(r?.diagnostics).toEqual(full.diagnostics);
      expect(r?.compiled).toEqual(full.compiled);
    }
  });

  it("starts afresh for a reopened document and for changed settings", () => {
    let settings: Settings = DEFAULT_SETTINGS;
    const analyzer = new Analyzer({ settings: () => settings, onAnalyzed: () => {}, timers: manualTimers() });
    const text = "on 5m close > 1 enter long\n";
    expect(analyzer.get(TextDocument.create(URI, "tradeplan", 1, text)).result?.diagnostics.map((d) => d.code)).toEqual(
      ["E0501"],
    );
    analyzer.closed(URI);
    const reopened = TextDocument.create(URI, "tradeplan", 1, 'plan "q"\nsymbol MSFT\n' + text);
    expect(analyzer.get(reopened).result?.semantic.settings.symbols).toEqual(["MSFT"]);
    settings = { ...DEFAULT_SETTINGS, symbol: "SPY" };
    const bare = TextDocument.create("file:///p/b.plan", "tradeplan", 1, text);
    expect(analyzer.get(bare).result?.semantic.settings.symbols).toEqual(["SPY"]);
    settings = { ...DEFAULT_SETTINGS, symbol: "QQQ" };
    analyzer.refresh([bare]);
    expect(analyzer.get(bare).result?.semantic.settings.symbols).toEqual(["QQQ"]);
  });

  it("passes the symbol setting and the file name to the checker", () => {
    const { analyzer } = setup({ symbol: "MSFT" });
    const a = analyzer.get(
      TextDocument.create("file:///p/my%20plan.plan", "tradeplan", 1, "on 5m close > 1 enter long\n"),
    );
    expect(a.result?.diagnostics).toEqual([]);
    expect(a.result?.semantic.settings.symbols).toEqual(["MSFT"]);
    expect(a.result?.semantic.settings.name).toMatch(/my plan/);
  });
});

describe("fileNameOf", () => {
  it("takes the decoded last path segment", () => {
    expect(fileNameOf("file:///a/b/c%20d.plan?x#y")).toBe("c d.plan");
    expect(fileNameOf("untitled:")).toBe("untitled");
    expect(fileNameOf("file:///a/%E0%A4%A.plan")).toBe("%E0%A4%A.plan");
  });
});

describe("settings", () => {
  it("uses the defaults for nothing, accepts valid settings", () => {
    expect(readSettings(undefined, "x")).toEqual({ ok: true, settings: DEFAULT_SETTINGS });
    expect(readSettings(null, "x").ok).toBe(true);
    const r = readSettings(
      { debounceMs: 10, symbol: "AAPL", docsUrl: "https://e.test/d.md", maxDocumentLength: 100 },
      "x",
    );
    expect(r).toMatchObject({ ok: true, settings: { debounceMs: 10, symbol: "AAPL" } });
  });

  it("rejects bad settings saying where and why, keeping the defaults", () => {
    const r = readSettings(
      { debounceMs: -1, symbol: "A B", bogus: true, docsUrl: "not a url" },
      "initializationOptions",
    );
    expect(r.ok).toBe(false);
    expect(r.settings).toEqual(DEFAULT_SETTINGS);
    const error = r.ok ? "" : r.error;
    expect(error).toMatch(/^invalid tradeplan settings in initializationOptions: /);
    for (const field of ["debounceMs", "symbol", "docsUrl", "bogus"]) expect(error).toContain(field);
    expect(readSettings("fast", "x").ok).toBe(false);
    expect(readSettings({ maxDocumentLength: 1e12 }, "x").ok).toBe(false);
  });
});
