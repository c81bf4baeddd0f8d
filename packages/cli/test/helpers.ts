import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliIO, FileSystem } from "../src/io.js";
import { nodeFileSystem } from "../src/io.js";
import { run } from "../src/program.js";

export interface Captured {
  readonly io: CliIO;
  readonly out: () => string;
  readonly err: () => string;
}

/** An in-process I/O over the real file system (optionally patched), capturing stdout and stderr. */
export function captureIO(
  cwd: string,
  overrides: {
    isTTY?: boolean;
    stderrTTY?: CliIO["stderrTTY"];
    env?: Record<string, string>;
    fs?: Partial<FileSystem>;
  } = {},
): Captured {
  let out = "";
  let err = "";
  const io: CliIO = {
    stdout: {
      write: (t) => {
        out += t;
      },
    },
    stderr: {
      write: (t) => {
        err += t;
      },
    },
    isTTY: overrides.isTTY ?? false,
    ...(overrides.stderrTTY ? { stderrTTY: overrides.stderrTTY } : {}),
    cwd,
    env: overrides.env ?? {},
    fs: { ...nodeFileSystem, ...overrides.fs },
  };
  return { io, out: () => out, err: () => err };
}

/** Runs the CLI in-process; returns the exit code and what it printed. */
export async function cli(
  argv: string[],
  cwd: string,
  overrides: Parameters<typeof captureIO>[1] = {},
): Promise<{ code: number; out: string; err: string }> {
  const c = captureIO(cwd, overrides);
  const code = await run(argv, c.io);
  return { code, out: c.out(), err: c.err() };
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "tradeplan-cli-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const CLEAN_PLAN = 'plan "clean"\nsymbol AAPL\n\non 5m close above 150 enter long\n';
export const ERROR_PLAN =
  'plan "typo"\nsymbol AAPL\n\nlet breakout = 150\n\non 5m close above brekout enter long\non 5m close below breakout exit long\n';
export const WARNING_PLAN = 'plan "unused"\nsymbol AAPL\n\nlet unused = 150\n\non 5m close above 150 enter long\n';

/** True when `s` holds a control character other than tab and line feed. */
export function hasControlChars(s: string): boolean {
  return [...s].some((ch) => {
    const cp = ch.codePointAt(0) ?? 0;
    return (cp < 0x20 && cp !== 9 && cp !== 10) || (cp >= 0x7f && cp <= 0x9f);
  });
}

/** `s` without ANSI color sequences (`ESC [ digits m`). */
export function stripAnsi(s: string): string {
  return s
    .split("\u001b")
    .map((part, i) => (i === 0 ? part : part.replace(/^\[\d+m/, "")))
    .join("");
}
