import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startServerProcess } from "../../packages/lsp/test/client.js";
import { ROOT, tradeplan, tradeplanBin, workdir, writeFiles } from "./harness.js";

const VERSION = (JSON.parse(readFileSync(join(ROOT, "packages/cli/package.json"), "utf8")) as { version: string })
  .version;

describe("the installed tradeplan", () => {
  const dir = workdir();

  it("is on the PATH of the install prefix and prints its version from any folder", async () => {
    expect(tradeplanBin()).toMatch(/bin[/\\]tradeplan$/);
    const r = await tradeplan(["--version"], { cwd: dir });
    expect(r).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
  });

  it("checks a plan, and reports a bad one rustc-style with exit 1", async () => {
    writeFiles(dir, {
      "good.plan": 'plan "good"\nsymbol AAPL\non 5m close above 150.25 enter long\n',
      "bad.plan": 'plan "bad"\nsymbol AAPL\nlet breakout = 150\non 5m close above brekout enter long\n',
    });
    const ok = await tradeplan(["check", "good.plan"], { cwd: dir });
    expect(ok).toMatchObject({ code: 0, stdout: "ok: 1 file checked\n" });
    const bad = await tradeplan(["check", "bad.plan"], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("error[E0201]: unknown name `brekout`");
    expect(bad.stdout).toContain("--> bad.plan:4:19");
    expect(bad.stdout).toContain("help: did you mean `breakout`?");
  });

  it("`tradeplan init demo && cd demo && tradeplan test` works, and init's next steps name the installed command", async () => {
    const init = await tradeplan(["init", "demo"], { cwd: dir });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain(
      "next: cd demo && tradeplan check plans && tradeplan fmt --check plans && tradeplan test plans\n",
    );
    const project = join(dir, "demo");
    for (const args of [["check", "plans"], ["fmt", "--check", "plans"], ["test"]]) {
      const r = await tradeplan(args, { cwd: project });
      expect(r.code, `${args.join(" ")}: ${r.stdout}${r.stderr}`).toBe(0);
    }
  });

  it("runs the demo with no repository around it", async () => {
    const r = await tradeplan(["demo", "--report", "demo.html"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("report written to demo.html");
    expect(readFileSync(join(dir, "demo.html"), "utf8")).toContain("<html");
  });
});

describe("the installed tradeplan: exit codes and the language server", () => {
  const dir = workdir();

  it("a missing file is a usage error: exit 2, one line naming it", async () => {
    const r = await tradeplan(["check", "no/such.plan"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no/such.plan");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("`tradeplan lsp` without --stdio refuses, saying how to call it (exit 2)", async () => {
    const r = await tradeplan(["lsp"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("run `tradeplan lsp --stdio`");
  });

  it("`tradeplan lsp --stdio` serves diagnostics; bad settings are reported and the defaults used", async () => {
    const s = startServerProcess({ cmd: tradeplanBin(), args: ["lsp", "--stdio"] });
    try {
      await s.initialize({ debounceMs: "soon", colour: true });
      const uri = "file:///work/x.plan";
      const published = s.waitForDiagnostics(uri);
      s.open(uri, 'plan "x"\nsymbol AAPL\non 5m close above 150 Enter long\n');
      expect((await published).diagnostics.map((d) => d.code)).toEqual(["E0103"]);
      const shown = s.notifications.find((n) => n.method === "window/showMessage");
      const message = (shown?.params as { message?: string } | undefined)?.message ?? "";
      expect(message).toMatch(/^invalid tradeplan settings in initializationOptions: debounceMs: .*expected number/);
      expect(message).toContain('Unrecognized key: "colour"');
      expect(await s.stop()).toBe(0);
    } finally {
      if (s.proc.exitCode === null) s.proc.kill();
    }
  });
});
