import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  createMessageConnection,
  type MessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from "vscode-jsonrpc/node";
import {
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  type InitializeResult,
  PublishDiagnosticsNotification,
  type PublishDiagnosticsParams,
  ShutdownRequest,
  type TextDocumentContentChangeEvent,
} from "vscode-languageserver-protocol";

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root. */
export const ROOT = join(here, "..", "..", "..");
export const SERVER_ENTRY = join(ROOT, "packages", "lsp", "src", "main.ts");

/** A language server in its own process over stdio, driven as an editor would. */
export interface ServerProcess {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly conn: MessageConnection;
  /** Every publishDiagnostics notification received, in order. */
  readonly published: PublishDiagnosticsParams[];
  /** Every other notification received (`window/showMessage`, `window/logMessage`, ...). */
  readonly notifications: { method: string; params: unknown }[];
  /** stderr of the server, for failure messages. */
  stderr(): string;
  /** Resolves with the first publish for `uri` (after `after` publishes seen) matching `pred`. */
  waitForDiagnostics(uri: string, pred?: (p: PublishDiagnosticsParams) => boolean): Promise<PublishDiagnosticsParams>;
  initialize(options?: unknown): Promise<InitializeResult>;
  open(uri: string, text: string, version?: number): void;
  change(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): void;
  close(uri: string): void;
  /** shutdown + exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Spawns the server from source (`node --conditions=@tradeplan/source --import tsx
 * packages/lsp/src/main.ts --stdio`), or `command` instead.
 */
export function startServerProcess(command?: { cmd: string; args: string[] }): ServerProcess {
  const c = command ?? {
    cmd: process.execPath,
    args: ["--conditions=@tradeplan/source", "--import", "tsx", SERVER_ENTRY, "--stdio"],
  };
  const proc = spawn(c.cmd, c.args, { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
  let err = "";
  proc.stderr.on("data", (d: Buffer) => {
    err += d.toString("utf8");
  });
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  const published: PublishDiagnosticsParams[] = [];
  const waiters: {
    uri: string;
    pred: (p: PublishDiagnosticsParams) => boolean;
    resolve: (p: PublishDiagnosticsParams) => void;
  }[] = [];
  conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
    published.push(p);
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      if (w && w.uri === p.uri && w.pred(p)) {
        waiters.splice(i, 1);
        w.resolve(p);
      }
    }
  });
  const notifications: { method: string; params: unknown }[] = [];
  conn.onNotification((method: string, params: unknown) => {
    notifications.push({ method, params });
  });
  conn.onRequest(() => null);
  conn.listen();
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));

  return {
    proc,
    conn,
    published,
    notifications,
    stderr: () => err,
    waitForDiagnostics(uri, pred = () => true) {
      return new Promise((resolve) => waiters.push({ uri, pred, resolve }));
    },
    initialize(options) {
      return conn
        .sendRequest(InitializeRequest.type, {
          processId: process.pid,
          rootUri: null,
          capabilities: {
            textDocument: {
              completion: { completionItem: { snippetSupport: true } },
              hover: { contentFormat: ["markdown", "plaintext"] },
            },
          },
          initializationOptions: options,
        })
        .then(async (r) => {
          await conn.sendNotification(InitializedNotification.type, {});
          return r;
        });
    },
    open(uri, text, version = 1) {
      void conn.sendNotification(DidOpenTextDocumentNotification.type, {
        textDocument: { uri, languageId: "tradeplan", version, text },
      });
    },
    change(uri, version, changes) {
      void conn.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri, version },
        contentChanges: changes,
      });
    },
    close(uri) {
      void conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    },
    async stop() {
      await conn.sendRequest(ShutdownRequest.type);
      await conn.sendNotification(ExitNotification.type);
      const code = await exited;
      conn.dispose();
      return code;
    },
  };
}
