import "./style.css";
import * as monaco from "monaco-editor/editor";
import "monaco-editor/features/register.all";
import EditorWorker from "monaco-editor/editor/editor.worker?worker";
import demoPlan from "../../../examples/plans/demo.plan?raw";
import { type PlaygroundRun, runPlaygroundBacktest } from "./backtest.js";
import type { ChartModel } from "./chart.js";
import { LANGUAGE_ID, registerLanguage } from "./language.js";
import { MARKER_OWNER, PlaygroundLanguageClient } from "./lsp-client.js";
import { renderRun } from "./render.js";
import LanguageServerWorker from "./worker.ts?worker";

/** What the page exposes on `window.__tradeplan` for the browser tests (and the curious). */
export interface PlaygroundHook {
  readonly monaco: typeof monaco;
  readonly editor: monaco.editor.IStandaloneCodeEditor;
  /** The language server's markers on the model. */
  markers(): monaco.editor.IMarker[];
  /** Resolves once the diagnostics for the current text have arrived. */
  diagnosticsSettled(): Promise<void>;
  /** Runs the Backtest button's action; returns what was drawn. */
  backtest(): { ok: boolean; trades: number; points: number; marks: number; message?: string };
  readonly lastRun: PlaygroundRun | undefined;
}

declare global {
  interface Window {
    __tradeplan?: PlaygroundHook;
    MonacoEnvironment?: monaco.Environment;
  }
}

function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const e = document.getElementById(id);
  if (!(e instanceof type)) throw new Error(`playground page is missing #${id}`);
  return e;
}

// Monaco's own worker (diffing, word ranges); the language server has its own worker below.
window.MonacoEnvironment = { getWorker: () => new EditorWorker() };

registerLanguage(monaco);

const status = byId("status", HTMLElement);
const problems = byId("problems", HTMLElement);
const results = byId("results", HTMLElement);
const runButton = byId("run", HTMLButtonElement);
const formatButton = byId("format", HTMLButtonElement);
const resetButton = byId("reset", HTMLButtonElement);

const model = monaco.editor.createModel(demoPlan, LANGUAGE_ID, monaco.Uri.parse("inmemory://playground/demo.plan"));
const editor = monaco.editor.create(byId("editor", HTMLElement), {
  model,
  automaticLayout: true,
  minimap: { enabled: false },
  fontSize: 14,
  scrollBeyondLastLine: false,
  wordWrap: "on",
  renderWhitespace: "none",
  tabSize: 2,
  insertSpaces: true,
});

function say(kind: "error" | "warning" | "info", text: string): void {
  status.textContent = text;
  status.dataset.kind = kind;
}

function showProblems(): void {
  const markers = monaco.editor.getModelMarkers({ resource: model.uri, owner: MARKER_OWNER });
  problems.replaceChildren();
  for (const m of markers) {
    const li = document.createElement("li");
    li.className = m.severity === monaco.MarkerSeverity.Error ? "error" : "warning";
    const code = typeof m.code === "string" ? m.code : (m.code?.value ?? "");
    li.textContent = `${m.startLineNumber}:${m.startColumn} ${code} ${m.message}`;
    li.addEventListener("click", () => {
      editor.setPosition({ lineNumber: m.startLineNumber, column: m.startColumn });
      editor.focus();
    });
    problems.append(li);
  }
  const errors = markers.filter((m) => m.severity === monaco.MarkerSeverity.Error).length;
  problems.dataset.count = String(markers.length);
  say(
    errors > 0 ? "error" : "info",
    markers.length === 0 ? "no problems" : `${errors} errors, ${markers.length - errors} warnings`,
  );
}
monaco.editor.onDidChangeMarkers((uris) => {
  if (uris.some((u) => u.toString() === model.uri.toString())) showProblems();
});

let lastRun: PlaygroundRun | undefined;
let lastChart: ChartModel | undefined;

function backtest(): ReturnType<PlaygroundHook["backtest"]> {
  lastRun = runPlaygroundBacktest(model.getValue());
  lastChart = renderRun(results, lastRun);
  const trades = lastRun.ok ? lastRun.outcome.result.trades.length : 0;
  return lastRun.ok
    ? { ok: true, trades, points: lastChart?.points ?? 0, marks: lastChart?.marks.length ?? 0 }
    : { ok: false, trades, points: 0, marks: 0, message: lastRun.message };
}

runButton.addEventListener("click", () => backtest());
formatButton.addEventListener("click", () => void editor.getAction("editor.action.formatDocument")?.run());
resetButton.addEventListener("click", () => model.setValue(demoPlan));

const client = new PlaygroundLanguageClient({ monaco, worker: new LanguageServerWorker(), model, onMessage: say });
say("info", "starting the language server...");
client
  .start()
  .then((init) => {
    say("info", `${init.serverInfo?.name ?? "language server"} ready`);
    window.__tradeplan = {
      monaco,
      editor,
      markers: () => monaco.editor.getModelMarkers({ resource: model.uri, owner: MARKER_OWNER }),
      diagnosticsSettled: () => client.diagnosticsSettled(),
      backtest,
      get lastRun() {
        return lastRun;
      },
    };
    document.body.dataset.ready = "true";
  })
  .catch((e: unknown) =>
    say("error", `the language server did not start: ${e instanceof Error ? e.message : String(e)}`),
  );
