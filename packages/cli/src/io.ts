import { readdir, readFile, stat, writeFile } from "node:fs/promises";

/** Somewhere text goes: stdout, stderr, or a buffer in tests. */
export interface Writer {
  write(text: string): void;
}

/** What a path is; `missing` when nothing is there. */
export type PathKind = "file" | "directory" | "other" | "missing";

/** A directory entry; `symlinkedDirectory` is never descended into (cycles). */
export interface DirEntry {
  readonly name: string;
  readonly kind: PathKind | "symlinkedDirectory";
}

/**
 * The file-system operations the CLI uses, so that tests can run commands
 * in-process and inject failures (unreadable files) that a root test user
 * could not produce with permissions. Failures are thrown `Error`s with a
 * Node-style `code` (`ENOENT`, `EACCES`, ...).
 */
export interface FileSystem {
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, text: string): Promise<void>;
  kind(path: string): Promise<PathKind>;
  readDir(path: string): Promise<DirEntry[]>;
  /** Files matching a glob pattern under `cwd`, as absolute paths; `node_modules` is skipped. */
  glob(pattern: string, cwd: string): Promise<string[]>;
}

/** Everything a command may touch; `run` never reaches for `process` itself. */
export interface CliIO {
  readonly stdout: Writer;
  readonly stderr: Writer;
  /** Whether stdout is a terminal (color is only ever used on one). */
  readonly isTTY: boolean;
  /** Whether stderr is a terminal (where `run` draws its status line); its width in columns when it is. */
  readonly stderrTTY?: { readonly columns: () => number };
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly fs: FileSystem;
}

async function kindOf(path: string): Promise<PathKind> {
  try {
    const s = await stat(path);
    return s.isFile() ? "file" : s.isDirectory() ? "directory" : "other";
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR")
      return "missing";
    throw e;
  }
}

/** The real file system. */
export const nodeFileSystem: FileSystem = {
  readFile: async (path) => new Uint8Array(await readFile(path)),
  writeFile: (path, text) => writeFile(path, text, "utf8"),
  kind: kindOf,
  async readDir(path) {
    const entries = await readdir(path, { withFileTypes: true });
    return Promise.all(
      entries.map(async (e): Promise<DirEntry> => {
        if (e.isFile()) return { name: e.name, kind: "file" };
        if (e.isDirectory()) return { name: e.name, kind: "directory" };
        if (e.isSymbolicLink()) {
          // A dangling link reads as missing and is skipped by the walker.
          const target = await kindOf(`${path}/${e.name}`);
          return { name: e.name, kind: target === "directory" ? "symlinkedDirectory" : target };
        }
        return { name: e.name, kind: "other" };
      }),
    );
  },
  // Loaded when a glob is given: at its import fdir looks for picomatch on disk, a cost every check would pay.
  glob: async (pattern, cwd) =>
    (await import("tinyglobby")).glob(pattern, {
      cwd,
      absolute: true,
      onlyFiles: true,
      ignore: ["**/node_modules/**"],
      dot: false,
    }),
};

/** The process's own streams and file system, for `bin.ts`. */
export function processIO(): CliIO {
  return {
    stdout: { write: (t) => void process.stdout.write(t) },
    stderr: { write: (t) => void process.stderr.write(t) },
    isTTY: process.stdout.isTTY === true,
    ...(process.stderr.isTTY ? { stderrTTY: { columns: () => process.stderr.columns || 80 } } : {}),
    cwd: process.cwd(),
    env: process.env,
    fs: nodeFileSystem,
  };
}
