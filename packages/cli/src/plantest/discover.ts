import { resolve } from "node:path";
import { describeFsError } from "../errors.js";
import { PLAN_EXTENSION } from "../inputs.js";
import type { FileSystem } from "../io.js";
import { TEST_FILE_SUFFIXES } from "./schema.js";

/** Directories never searched. */
const SKIPPED = new Set(["node_modules", ".git"]);
/** What a directory search looks for: the test files next to plans. */
const SEARCHED_SUFFIXES = TEST_FILE_SUFFIXES.map((s) => `${PLAN_EXTENSION}${s}`);

export const isTestFileName = (name: string): boolean => TEST_FILE_SUFFIXES.some((s) => name.endsWith(s));

export interface Discovered {
  /** Absolute paths of test files, each once, in the order found. */
  readonly files: string[];
  /** Arguments that named nothing usable: `error: ...` lines (exit 2), the rest still runs. */
  readonly problems: string[];
}

/**
 * Turns `tradeplan test` arguments into test files: a test file as is; a
 * plan (any other file) its sibling `PLAN.test.yaml` (or `.test.yml`); a
 * directory every `*.plan.test.yaml` / `*.plan.test.yml` below it
 * (`node_modules` and `.git` skipped, sorted by path).
 */
export async function discoverTests(args: readonly string[], cwd: string, fs: FileSystem): Promise<Discovered> {
  const files: string[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  const add = (p: string) => {
    if (!seen.has(p)) {
      seen.add(p);
      files.push(p);
    }
  };
  for (const arg of args.length > 0 ? args : ["."]) {
    const abs = resolve(cwd, arg);
    let kind: Awaited<ReturnType<FileSystem["kind"]>>;
    try {
      kind = await fs.kind(abs);
    } catch (e) {
      problems.push(`cannot read \`${arg}\`: ${describeFsError(e)}`);
      continue;
    }
    if (kind === "missing") problems.push(`\`${arg}\`: no such file or directory`);
    else if (kind === "other") problems.push(`\`${arg}\` is not a file or directory`);
    else if (kind === "directory") {
      try {
        const found = await walk(abs, fs);
        if (found.length === 0) problems.push(`no *.plan.test.yaml files in \`${arg}\``);
        found.forEach(add);
      } catch (e) {
        problems.push(`cannot read directory \`${arg}\`: ${describeFsError(e)}`);
      }
    } else if (isTestFileName(abs)) add(abs);
    else {
      let found = false;
      for (const s of TEST_FILE_SUFFIXES) {
        if ((await fs.kind(`${abs}${s}`).catch(() => "missing")) === "file") {
          add(`${abs}${s}`);
          found = true;
        }
      }
      if (!found) problems.push(`\`${arg}\` has no test file: create \`${arg}${TEST_FILE_SUFFIXES[0]}\``);
    }
  }
  return { files, problems };
}

async function walk(dir: string, fs: FileSystem): Promise<string[]> {
  const entries = [...(await fs.readDir(dir))].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const e of entries) {
    const path = `${dir}/${e.name}`;
    if (e.kind === "directory" && !SKIPPED.has(e.name)) out.push(...(await walk(path, fs)));
    else if (e.kind === "file" && SEARCHED_SUFFIXES.some((s) => e.name.endsWith(s))) out.push(path);
  }
  return out;
}
