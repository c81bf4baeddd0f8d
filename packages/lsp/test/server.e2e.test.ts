import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CancellationTokenSource } from "vscode-jsonrpc/node";
import {
  CodeActionRequest,
  CompletionRequest,
  DefinitionRequest,
  type Diagnostic,
  DocumentFormattingRequest,
  DocumentSymbolRequest,
  FoldingRangeRequest,
  HoverRequest,
  LSPErrorCodes,
  PrepareRenameRequest,
  ReferencesRequest,
  RenameRequest,
  SemanticTokensRequest,
  SignatureHelpRequest,
} from "vscode-languageserver-protocol";
import { ROOT, type ServerProcess, startServerProcess } from "./client.js";

const PLAN = [
  "# Opening breakout.",
  'plan "breakout"',
  "symbol AAPL",
  "",
  "let breakout = 150.25",
  "let heavy = volume > 1.5 * sma(volume, 20)",
  "let unused = 3",
  "",
  "on 5m close above breakout with heavy enter long",
  "on 15m close below brekout exit long",
  "",
].join("\n");

const URI = "file:///work/plans/breakout.plan";

interface CliDiagnostic {
  code: string;
  severity: string;
  message: string;
  hint?: string;
  range: { start: { line: number; column: number }; end: { line: number; column: number } };
}

/** `tradeplan check --format json` over files (one process for all: spawning the CLI is slow on a shared machine). */
function cliDiagnostics(files: readonly string[]): Map<string, CliDiagnostic[]> {
  let out: string;
  try {
    out = execFileSync(
      process.execPath,
      [join(ROOT, "packages/cli/bin/tradeplan.mjs"), "check", "--format", "json", ...files],
      {
        cwd: ROOT,
        encoding: "utf8",
      },
    );
  } catch (e) {
    // Exit 1 (the plans have errors) is expected; the report is still on stdout.
    out = String((e as { stdout?: string }).stdout ?? "");
  }
  const report = JSON.parse(out) as { files: { file: string; diagnostics: CliDiagnostic[] }[] };
  return new Map(report.files.map((f) => [f.file, f.diagnostics]));
}

describe("language server over stdio", () => {
  let s: ServerProcess;

  beforeAll(async () => {
    s = startServerProcess();
    const init = await s.initialize({ debounceMs: 20 });
    expect(init.serverInfo?.name).toBe("tradeplan-lsp");
    expect(init.capabilities.textDocumentSync).toEqual({ openClose: true, change: 2 });
  });

  afterAll(async () => {
    if (s.proc.exitCode === null) s.proc.kill();
  });

  it("publishes the CLI's diagnostics for every failing example (code, message, range, severity, link)", async () => {
    const files = readdirSync(join(ROOT, "examples/failing")).filter((f) => f.endsWith(".plan"));
    expect(files.length).toBeGreaterThan(10);
    const cli = cliDiagnostics(files.map((f) => `examples/failing/${f}`));
    for (const f of files) {
      const path = join(ROOT, "examples/failing", f);
      const uri = `file://${path}`;
      const wait = s.waitForDiagnostics(uri);
      s.open(uri, readFileSync(path, "utf8"));
      const got = (await wait).diagnostics;
      const want = cli.get(`examples/failing/${f}`) ?? [];
      expect(want.length, f).toBeGreaterThan(0);
      expect(got.length, f).toBe(want.length);
      want.forEach((w, i) => {
        const g = got[i] as Diagnostic;
        expect(g.code).toBe(w.code);
        expect(g.severity).toBe(w.severity === "error" ? 1 : 2);
        expect(g.message).toBe(w.hint ? `${w.message}\nhelp: ${w.hint}` : w.message);
        expect(g.range.start).toEqual({ line: w.range.start.line - 1, character: w.range.start.column - 1 });
        expect(g.range.end).toEqual({ line: w.range.end.line - 1, character: w.range.end.column - 1 });
        expect(g.codeDescription?.href).toMatch(new RegExp(`docs/diagnostics\\.md#${w.code.toLowerCase()}$`));
        expect(g.source).toBe("tradeplan");
      });
      s.close(uri);
    }
  });

  it("applies incremental edits: fixing a typo clears its diagnostic", async () => {
    const first = s.waitForDiagnostics(URI);
    s.open(URI, PLAN);
    const d1 = (await first).diagnostics;
    expect(d1.map((d) => d.code).sort()).toEqual(["E0201", "W0601"]);
    // `brekout` -> `breakout`: insert one `a` at line 9, column 22.
    const second = s.waitForDiagnostics(URI, (p) => p.version === 2);
    s.change(URI, 2, [{ range: { start: { line: 9, character: 22 }, end: { line: 9, character: 22 } }, text: "a" }]);
    expect((await second).diagnostics.map((d) => d.code)).toEqual(["W0601"]);
    // And back, so the other tests see the typo.
    const third = s.waitForDiagnostics(URI, (p) => p.version === 3);
    s.change(URI, 3, [{ range: { start: { line: 9, character: 22 }, end: { line: 9, character: 23 } }, text: "" }]);
    expect((await third).diagnostics.map((d) => d.code).sort()).toEqual(["E0201", "W0601"]);
  });

  it("answers every feature request", async () => {
    const td = { uri: URI };
    const completion = await s.conn.sendRequest(CompletionRequest.type, {
      textDocument: td,
      position: { line: 8, character: 6 },
    });
    const labels = (Array.isArray(completion) ? completion : (completion?.items ?? [])).map((i) => i.label);
    expect(labels).toEqual(expect.arrayContaining(["close", "sma", "breakout", "heavy", "trailing stop"]));

    const hover = await s.conn.sendRequest(HoverRequest.type, {
      textDocument: td,
      position: { line: 8, character: 1 },
    });
    expect(JSON.stringify(hover?.contents)).toMatch(/Needs \*\*20\*\* bars/);

    const def = await s.conn.sendRequest(DefinitionRequest.type, {
      textDocument: td,
      position: { line: 8, character: 20 },
    });
    expect(def).toEqual({ uri: URI, range: { start: { line: 4, character: 4 }, end: { line: 4, character: 12 } } });

    const refs = await s.conn.sendRequest(ReferencesRequest.type, {
      textDocument: td,
      position: { line: 4, character: 5 },
      context: { includeDeclaration: true },
    });
    expect(refs?.map((r) => r.range.start.line)).toEqual([4, 8]);

    const prep = await s.conn.sendRequest(PrepareRenameRequest.type, {
      textDocument: td,
      position: { line: 5, character: 5 },
    });
    expect(prep).toEqual({
      range: { start: { line: 5, character: 4 }, end: { line: 5, character: 9 } },
      placeholder: "heavy",
    });
    const edit = await s.conn.sendRequest(RenameRequest.type, {
      textDocument: td,
      position: { line: 5, character: 5 },
      newName: "loud",
    });
    expect(edit?.changes?.[URI]?.map((e) => e.range.start.line)).toEqual([5, 8]);
    await expect(
      s.conn.sendRequest(RenameRequest.type, {
        textDocument: td,
        position: { line: 5, character: 5 },
        newName: "close",
      }),
    ).rejects.toThrow(/keyword/);

    const symbols = await s.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: td });
    expect(symbols?.[0]?.name).toBe("breakout");

    const fmt = await s.conn.sendRequest(DocumentFormattingRequest.type, {
      textDocument: td,
      options: { tabSize: 2, insertSpaces: true },
    });
    expect(fmt).toEqual([]);

    const tokens = await s.conn.sendRequest(SemanticTokensRequest.type, { textDocument: td });
    expect(tokens?.data.length).toBeGreaterThan(50);
    expect((tokens?.data.length ?? 0) % 5).toBe(0);

    const actions = await s.conn.sendRequest(CodeActionRequest.type, {
      textDocument: td,
      range: { start: { line: 6, character: 0 }, end: { line: 9, character: 40 } },
      context: { diagnostics: [] },
    });
    expect(actions?.map((a) => a.title)).toEqual(["Remove unused `let unused`", "Replace with `breakout`"]);

    const folds = await s.conn.sendRequest(FoldingRangeRequest.type, { textDocument: td });
    expect(folds?.length).toBeGreaterThan(0);

    const sig = await s.conn.sendRequest(SignatureHelpRequest.type, {
      textDocument: td,
      position: { line: 5, character: 39 },
    });
    expect(sig?.signatures[0]?.label).toBe("sma(source, period)");
    expect(sig?.activeParameter).toBe(1);
  });

  it("answers a request cancelled mid-flight with RequestCancelled or a result, and keeps serving", async () => {
    const td = { uri: URI };
    const source = new CancellationTokenSource();
    const pending = s.conn
      .sendRequest(HoverRequest.type, { textDocument: td, position: { line: 8, character: 1 } }, source.token)
      .then(
        (r) => ({ ok: true as const, r }),
        (e: { code?: number }) => ({ ok: false as const, code: e.code }),
      );
    // Sent right behind the request: the server sees it before it answers (it yields one turn first).
    source.cancel();
    const outcome = await pending;
    if (!outcome.ok) expect(outcome.code).toBe(LSPErrorCodes.RequestCancelled);
    const after = await s.conn.sendRequest(HoverRequest.type, {
      textDocument: td,
      position: { line: 8, character: 1 },
    });
    expect(after).not.toBeNull();
  });

  it("after 1,000 edits as fast as possible, the last diagnostics match the final text", async () => {
    const uri = "file:///work/plans/typing.plan";
    let text = 'plan "typing"\nsymbol AAPL\non 5m close above 1';
    s.open(uri, text, 1);
    let version = 1;
    for (let i = 0; i < 1000; i++) {
      version++;
      // Alternate between a valid digit and a misspelled name, appended at the end of the last line.
      const insert = i === 999 ? " enter lng" : i % 2 === 0 ? "0" : "";
      const line = 2;
      const character = text.length - text.lastIndexOf("\n") - 1;
      text += insert;
      s.change(uri, version, [{ range: { start: { line, character }, end: { line, character } }, text: insert }]);
    }
    const final = await s.waitForDiagnostics(uri, (p) => p.version === version);
    expect(final.diagnostics.map((d) => d.code)).toEqual(["E0101"]);
    // No publish for an older version arrives after the final one.
    await new Promise((r) => setTimeout(r, 200));
    const mine = s.published.filter((p) => p.uri === uri);
    expect(mine[mine.length - 1]?.version).toBe(version);
    s.close(uri);
  });

  it("clears the diagnostics of a document closed while its analysis waits, and publishes nothing later", async () => {
    const uri = "file:///work/plans/closing.plan";
    s.open(uri, 'plan "x"\nsymbol AAPL\non 5m close above nope enter long\n');
    s.change(uri, 2, [{ range: { start: { line: 2, character: 18 }, end: { line: 2, character: 22 } }, text: "nada" }]);
    s.close(uri);
    const cleared = await s.waitForDiagnostics(uri, (p) => p.diagnostics.length === 0);
    expect(cleared.version).toBeUndefined();
    await new Promise((r) => setTimeout(r, 200));
    const mine = s.published.filter((p) => p.uri === uri);
    expect(mine[mine.length - 1]?.diagnostics).toEqual([]);
  });

  it("survives a 10 MB document: it stays responsive and says why it is not analysed live", async () => {
    const uri = "file:///work/plans/huge.plan";
    const line = "on 5m close above 150.25 with volume > 1M enter long size 100 shares\n";
    const text = `plan "huge"\nsymbol AAPL\n${line.repeat(Math.ceil((10 * 1024 * 1024) / line.length))}`;
    expect(text.length).toBeGreaterThan(10 * 1024 * 1024);
    const published = s.waitForDiagnostics(uri);
    s.open(uri, text);
    expect((await published).diagnostics).toEqual([]);
    const warning = s.notifications.find((n) => n.method === "window/showMessage");
    expect(JSON.stringify(warning?.params)).toMatch(/more than the 1048576 analysed live/);
    const symbols = await s.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } });
    expect(symbols).toEqual([]);
    const hover = await s.conn.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position: { line: 2, character: 1 },
    });
    expect(JSON.stringify(hover?.contents ?? "")).toMatch(/on|rule/);
    s.close(uri);
  });

  it("shuts down and exits with code 0", async () => {
    expect(await s.stop()).toBe(0);
  });
});
