import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { SCHEMA_FILES } from "../../cli/src/json-schemas/locations.js";
import { scaffoldFiles } from "../../cli/src/plantest/scaffold.js";
import { readExtensionSettings, serverLaunch, serverSettings } from "../src/settings.js";
import { PACKAGE_DIR } from "./textmate.js";

/** VS Code's fileMatch for a file name: `*` stands for any characters. */
const globMatches = (pattern: string, name: string): boolean =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(name);

const read = (file: string): unknown => JSON.parse(readFileSync(join(PACKAGE_DIR, file), "utf8"));

/** What VS Code and vsce need from the manifest. */
const ManifestSchema = z.object({
  name: z.literal("tradeplan-vscode"),
  publisher: z.string().min(1),
  version: z.string().regex(/^\d+\.\d+\.\d+$/),
  private: z.literal(true),
  engines: z.object({ vscode: z.string().regex(/^\^1\.\d+\.\d+$/) }),
  main: z.literal("./dist/extension.js"),
  activationEvents: z.array(z.string()).refine((a) => a.includes("onLanguage:tradeplan")),
  contributes: z.object({
    languages: z
      .array(
        z.object({
          id: z.literal("tradeplan"),
          extensions: z.array(z.string()).refine((e) => e.includes(".plan")),
          configuration: z.string(),
        }),
      )
      .length(1),
    grammars: z
      .array(z.object({ language: z.literal("tradeplan"), scopeName: z.literal("source.tradeplan"), path: z.string() }))
      .length(1),
    configuration: z.object({ properties: z.record(z.string(), z.object({ default: z.unknown() })) }),
    yamlValidation: z.array(z.object({ fileMatch: z.array(z.string()).min(1), url: z.string() })).min(1),
  }),
  license: z.literal("MIT"),
  icon: z.string(),
  capabilities: z.object({
    untrustedWorkspaces: z.object({
      supported: z.literal("limited"),
      description: z.string().min(1),
      restrictedConfigurations: z.array(z.string()),
    }),
  }),
  scripts: z.object({ package: z.string().includes("vsce package --no-dependencies") }),
  devDependencies: z.record(z.string(), z.string()),
});

const LanguageConfigurationSchema = z.object({
  comments: z.object({ lineComment: z.literal("#") }),
  brackets: z.array(z.tuple([z.string(), z.string()])),
  autoClosingPairs: z.array(z.object({ open: z.string(), close: z.string() })),
  surroundingPairs: z.array(z.tuple([z.string(), z.string()])),
  wordPattern: z.string(),
});

describe("extension manifest", () => {
  const manifest = ManifestSchema.parse(read("package.json"));

  it("points at files that exist", () => {
    expect(existsSync(join(PACKAGE_DIR, manifest.contributes.languages[0]!.configuration))).toBe(true);
    expect(existsSync(join(PACKAGE_DIR, manifest.contributes.grammars[0]!.path))).toBe(true);
  });

  it("has a 128x128 PNG icon", () => {
    const png = readFileSync(join(PACKAGE_DIR, manifest.icon));
    expect(png.subarray(1, 4).toString("ascii")).toBe("PNG");
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([128, 128]);
  });

  it("in an untrusted workspace, takes the server's executable only from the user's settings", () => {
    const restricted = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations;
    expect(restricted).toContain("tradeplan.server.path");
    for (const key of restricted) expect(Object.keys(manifest.contributes.configuration.properties)).toContain(key);
  });

  it("validates the YAML files init writes against the schemas the CLI package ships", () => {
    const written = scaffoldFiles("My plan").map((f) => f.path.split("/").at(-1) ?? "");
    const schemaOf = (file: string) =>
      manifest.contributes.yamlValidation.find((v) => v.fileMatch.some((m) => globMatches(m, file)))?.url;
    expect(schemaOf("tradeplan.yaml")).toBe(`./schemas/${SCHEMA_FILES.config}`);
    expect(written.filter((f) => f.endsWith(".plan.test.yaml")).map(schemaOf)).toEqual([
      `./schemas/${SCHEMA_FILES.planTest}`,
    ]);
    // The bundle script copies them from the CLI package, where they are generated and committed.
    for (const { url } of manifest.contributes.yamlValidation)
      expect(existsSync(join(PACKAGE_DIR, "..", "cli", url))).toBe(true);
  });

  it("targets no newer VS Code than its API types describe", () => {
    const engine = manifest.engines.vscode.replace("^", "").split(".").map(Number);
    const types = (manifest.devDependencies["@types/vscode"] ?? "")
      .replace(/^[\^~]/, "")
      .split(".")
      .map(Number);
    expect(types.slice(0, 2)).toEqual(engine.slice(0, 2));
  });

  it("has a valid language configuration whose word pattern compiles", () => {
    const config = LanguageConfigurationSchema.parse(read("language-configuration.json"));
    const word = new RegExp(config.wordPattern, "g");
    expect("on 5m close above 1.5M".match(word)).toEqual(["on", "5", "m", "close", "above", "1.5M"]);
    expect(config.brackets).toEqual([
      ["(", ")"],
      ["[", "]"],
    ]);
  });

  it("declares every setting the extension reads, with the defaults it assumes", () => {
    const props = manifest.contributes.configuration.properties;
    const defaults = readExtensionSettings(() => undefined);
    expect(defaults.ok).toBe(true);
    expect(props["tradeplan.server.path"]?.default).toBe(defaults.settings.serverPath);
    expect(props["tradeplan.symbol"]?.default).toBe(defaults.settings.symbol);
    expect(props["tradeplan.debounceMs"]?.default).toBe(defaults.settings.debounceMs);
    expect(props["tradeplan.barCacheSize"]?.default).toBe(defaults.settings.barCacheSize);
    expect(props["tradeplan.maxDocumentLength"]?.default).toBe(defaults.settings.maxDocumentLength);
  });
});

describe("extension settings", () => {
  const from = (values: Record<string, unknown>) => readExtensionSettings((key) => values[key]);

  it("sends the server only the fields it knows", () => {
    const r = from({ "server.path": "/opt/tradeplan", symbol: " AAPL ", debounceMs: 10, barCacheSize: 500 });
    expect(r.ok).toBe(true);
    expect(serverSettings(r.settings)).toEqual({
      symbol: "AAPL",
      debounceMs: 10,
      barCacheSize: 500,
      maxDocumentLength: 1024 * 1024,
    });
    expect(serverSettings(from({}).settings)).toEqual({ debounceMs: 75, maxDocumentLength: 1024 * 1024 });
  });

  it("names each bad setting and falls back to the defaults", () => {
    const r = from({ debounceMs: -5, barCacheSize: "many", "server.path": 42 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toContain("tradeplan.debounceMs:");
    expect(r.error).toContain("tradeplan.barCacheSize:");
    expect(r.error).toContain("tradeplan.server.path:");
    expect(r.settings).toEqual(from({}).settings);
  });

  it("runs the bundled server unless a tradeplan executable is configured", () => {
    expect(serverLaunch(from({}).settings, "/ext/dist/server.js")).toEqual({
      kind: "module",
      module: "/ext/dist/server.js",
    });
    expect(serverLaunch(from({ "server.path": "/usr/local/bin/tradeplan" }).settings, "/x")).toEqual({
      kind: "executable",
      command: "/usr/local/bin/tradeplan",
      args: ["lsp"],
    });
  });
});
