import { mkdir } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { z } from "zod";
import { describeFsError, EXIT, UsageError } from "../errors.js";
import { commandPrefix } from "../invocation.js";
import type { CliIO } from "../io.js";
import { scaffoldFiles } from "../plantest/scaffold.js";
import { displayPath } from "../source.js";
import { parseOptions } from "./shared.js";

const InitOptionsSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(64, "is longer than 64 characters")
    .regex(/^[\p{L}\p{N} ._\-()&+]+$/u, "may hold letters, digits, spaces and `. _ - ( ) & +`")
    .optional(),
  force: z.boolean().default(false),
});

export type InitOptions = z.input<typeof InitOptionsSchema>;

/**
 * `tradeplan init [DIR]`: writes a starter plan, its test file, a minimal
 * `tradeplan.yaml` and a GitHub Actions workflow into DIR (default: the
 * working directory). Refuses, writing nothing, when any of them exists,
 * unless `--force`. Exit 0 written, 2 refused or unwritable.
 */
export async function runInit(dir: string | undefined, rawOptions: InitOptions, io: CliIO): Promise<number> {
  const options = parseOptions(InitOptionsSchema, rawOptions);
  const root = resolve(io.cwd, dir ?? ".");
  const kind = await io.fs.kind(root).catch((e: unknown) => {
    throw new UsageError(`cannot read \`${dir ?? "."}\`: ${describeFsError(e)}`);
  });
  if (kind !== "directory" && kind !== "missing") throw new UsageError(`\`${dir ?? "."}\` is not a directory`);
  const name = options.name ?? (basename(root).trim() || "my plan");
  const files = scaffoldFiles(name);
  const targets = files.map((f) => ({ ...f, abs: resolve(root, f.path) }));
  if (!options.force) {
    const existing: string[] = [];
    for (const t of targets) if ((await io.fs.kind(t.abs)) !== "missing") existing.push(displayPath(t.abs, io.cwd));
    if (existing.length > 0) {
      throw new UsageError(`not overwriting ${existing.map((p) => `\`${p}\``).join(", ")} (use --force to replace)`);
    }
  }
  for (const t of targets) {
    try {
      await mkdir(dirname(t.abs), { recursive: true });
      await io.fs.writeFile(t.abs, t.text);
    } catch (e) {
      throw new UsageError(`cannot write \`${displayPath(t.abs, io.cwd)}\`: ${describeFsError(e)}`);
    }
    io.stdout.write(`created ${displayPath(t.abs, io.cwd)}\n`);
  }
  const cd = root === resolve(io.cwd) ? "" : `cd ${displayPath(root, io.cwd)} && `;
  const tp = commandPrefix(io.env, process.argv[1]);
  io.stdout.write(`\nnext: ${cd}${tp} check plans && ${tp} fmt --check plans && ${tp} test plans\n`);
  return EXIT.ok;
}
