import { describe, expect, it } from "vitest";
import pkg from "../package.json" with { type: "json" };
import { type CommandRegistrar, run } from "../src/program.js";
import { captureIO, cli } from "./helpers.js";

describe("program", () => {
  it("prints the version", async () => {
    expect(await cli(["--version"], "/")).toEqual({ code: 0, out: `${pkg.version}\n`, err: "" });
  });

  it("prints help listing every command", async () => {
    const r = await cli(["--help"], "/");
    expect(r.code).toBe(0);
    for (const c of ["check", "compile", "fmt", "explain"]) expect(r.out).toContain(`  ${c} `);
    const sub = await cli(["check", "--help"], "/");
    expect(sub.code).toBe(0);
    for (const f of ["--format", "--symbol", "--warnings-as-errors", "--no-color"]) expect(sub.out).toContain(f);
  });

  it("exits 2 with usage on stderr for no command, an unknown command or option", async () => {
    const none = await cli([], "/");
    expect(none.code).toBe(2);
    expect(none.err).toContain("Usage: tradeplan");
    const unknown = await cli(["frobnicate"], "/");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("unknown command 'frobnicate'");
    const option = await cli(["check", "--frob", "x.plan"], "/");
    expect(option.code).toBe(2);
    expect(option.err).toContain("unknown option '--frob'");
  });

  it("turns an unexpected exception in a command into exit 2 with its message", async () => {
    const boom: CommandRegistrar = (program) => {
      program.command("boom").action(() => {
        throw new Error("kaput");
      });
    };
    const c = captureIO("/");
    expect(await run(["boom"], c.io, [boom])).toBe(2);
    expect(c.err()).toBe("error: kaput\n");
  });

  it("lets registered commands set the exit code", async () => {
    const seven: CommandRegistrar = (program, ctx) => {
      program.command("seven").action(() => ctx.setExitCode(7));
    };
    expect(await run(["seven"], captureIO("/").io, [seven])).toBe(7);
  });
});
