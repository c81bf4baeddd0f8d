import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, startServerProcess } from "./client.js";

const BIN = join(ROOT, "packages/cli/bin/tradeplan.mjs");

describe("tradeplan lsp", () => {
  it("refuses to run without --stdio, saying how to call it (exit 2)", () => {
    const r = spawnSync(process.execPath, [BIN, "lsp"], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("run `tradeplan lsp --stdio`");
  });

  it("serves over stdio; bad settings are reported and the defaults used", async () => {
    const s = startServerProcess({ cmd: process.execPath, args: [BIN, "lsp", "--stdio"] });
    try {
      await s.initialize({ debounceMs: "soon", colour: true });
      const error = s.notifications.find((n) => n.method === "window/showMessage");
      const uri = "file:///work/x.plan";
      const published = s.waitForDiagnostics(uri);
      s.open(uri, 'plan "x"\nsymbol AAPL\non 5m close above 150 Enter long\n');
      expect((await published).diagnostics.map((d) => d.code)).toEqual(["E0103"]);
      const shown = error ?? s.notifications.find((n) => n.method === "window/showMessage");
      const message = (shown?.params as { message?: string } | undefined)?.message ?? "";
      expect(message).toMatch(/^invalid tradeplan settings in initializationOptions: debounceMs: .*expected number/);
      expect(message).toContain('Unrecognized key: "colour"');
      expect(await s.stop()).toBe(0);
    } finally {
      if (s.proc.exitCode === null) s.proc.kill();
    }
  });
});
