import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  type Executable,
  LanguageClient,
  type LanguageClientOptions,
  type NodeModule,
  type ServerOptions,
  TransportKind,
} from "vscode-languageclient/node";
import { readExtensionSettings, type ServerLaunch, serverLaunch, serverSettings } from "./settings.js";

const LANGUAGE_ID = "tradeplan";
let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;

function currentSettings(): ReturnType<typeof readExtensionSettings> {
  const config = vscode.workspace.getConfiguration("tradeplan");
  return readExtensionSettings((key) => config.get(key));
}

function serverOptions(launch: ServerLaunch): ServerOptions {
  if (launch.kind === "module") {
    const run: NodeModule = { module: launch.module, transport: TransportKind.ipc };
    return { run, debug: { ...run, options: { execArgv: ["--nolazy", "--inspect=6019"] } } };
  }
  const exe: Executable = { command: launch.command, args: [...launch.args], transport: TransportKind.stdio };
  return { run: exe, debug: exe };
}

async function startClient(context: vscode.ExtensionContext): Promise<void> {
  const read = currentSettings();
  if (!read.ok) void vscode.window.showErrorMessage(read.error);
  const launch = serverLaunch(read.settings, context.asAbsolutePath("dist/server.js"));
  output ??= vscode.window.createOutputChannel("tradeplan");
  output.appendLine(
    launch.kind === "module"
      ? `starting the bundled tradeplan language server (${launch.module})`
      : `starting \`${launch.command} ${launch.args.join(" ")} --stdio\``,
  );
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: LANGUAGE_ID },
      { scheme: "untitled", language: LANGUAGE_ID },
    ],
    initializationOptions: serverSettings(read.settings),
    outputChannel: output,
  };
  client = new LanguageClient("tradeplan", "tradeplan language server", serverOptions(launch), clientOptions);
  try {
    await client.start();
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    void vscode.window.showErrorMessage(
      launch.kind === "executable"
        ? `tradeplan: could not start \`${launch.command} lsp --stdio\` (setting tradeplan.server.path): ${why}`
        : `tradeplan: the language server did not start: ${why}`,
    );
  }
}

async function stopClient(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) await c.stop();
}

/** Starts the language client for `.plan` files and follows `tradeplan.*` settings. */
export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("tradeplan.restartServer", async () => {
      await stopClient();
      await startClient(context);
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration("tradeplan")) return;
      if (e.affectsConfiguration("tradeplan.server.path")) {
        await stopClient();
        await startClient(context);
        return;
      }
      const read = currentSettings();
      if (!read.ok) void vscode.window.showErrorMessage(read.error);
      // The server reads only its own fields (it rejects unknown ones), so the section is filtered here.
      await client?.sendNotification(DidChangeConfigurationNotification.type, {
        settings: { tradeplan: serverSettings(read.settings) },
      });
    }),
  );
  await startClient(context);
}

export async function deactivate(): Promise<void> {
  await stopClient();
}
