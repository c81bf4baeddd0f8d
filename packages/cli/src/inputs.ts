import { resolve } from "node:path";
import { describeFsError, UsageError } from "./errors.js";
import type { FileSystem } from "./io.js";

/** Extension of plan files, searched for in directories and used by `fmt`. */
export const PLAN_EXTENSION = ".plan";
/** Directories never searched: dependencies and version-control data. */
const SKIPPED_DIRECTORIES: ReadonlySet<string> = new Set(["node_modules", ".git"]);
const GLOB_CHARS = /[*?[\]{}]/;

/**
 * Turns the command line's FILES|DIRS|GLOBS into absolute file paths, in
 * the order given, each once. A file named explicitly is taken whatever its
 * extension; directories are searched recursively for `*.plan`; an argument
 * that is not an existing path but contains glob characters is a glob.
 * Anything that names nothing is a `UsageError` saying which argument.
 */
export async function resolveInputs(args: readonly string[], cwd: string, fs: FileSystem): Promise<string[]> {
  if (args.length === 0) throw new UsageError("no files given");
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (p: string): void => {
    if (!seen.has(p)) {
      seen.add(p);
      out.push(p);
    }
  };
  for (const arg of args) {
    if (arg.trim() === "") throw new UsageError("an empty path was given");
    const abs = resolve(cwd, arg);
    const kind = await fs.kind(abs).catch((e: unknown) => {
      throw new UsageError(`cannot read \`${arg}\`: ${describeFsError(e)}`);
    });
    if (kind === "file") {
      add(abs);
    } else if (kind === "directory") {
      const found = await findPlans(abs, fs, arg);
      if (found.length === 0) throw new UsageError(`no ${PLAN_EXTENSION} files in directory \`${arg}\``);
      found.forEach(add);
    } else if (kind === "other") {
      throw new UsageError(`\`${arg}\` is not a file or directory`);
    } else if (GLOB_CHARS.test(arg)) {
      const matches = (await fs.glob(arg, cwd)).sort();
      if (matches.length === 0) throw new UsageError(`no files match \`${arg}\``);
      matches.forEach(add);
    } else {
      throw new UsageError(`\`${arg}\`: no such file or directory`);
    }
  }
  return out;
}

async function findPlans(dir: string, fs: FileSystem, shownAs: string): Promise<string[]> {
  let entries: Awaited<ReturnType<FileSystem["readDir"]>>;
  try {
    entries = await fs.readDir(dir);
  } catch (e) {
    throw new UsageError(`cannot read directory \`${shownAs}\`: ${describeFsError(e)}`);
  }
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const e of sorted) {
    const path = `${dir}/${e.name}`;
    if (e.kind === "directory" && !SKIPPED_DIRECTORIES.has(e.name)) {
      out.push(...(await findPlans(path, fs, `${shownAs}/${e.name}`)));
    } else if (e.kind === "file" && e.name.endsWith(PLAN_EXTENSION)) {
      out.push(path);
    }
  }
  return out;
}
