import { resolve } from "node:path";
import { analyze, CompiledPlanSchema } from "@tradeplan/dsl";
import { z } from "zod";
import { describeFsError, EXIT, UsageError } from "../errors.js";
import { readSource } from "../files.js";
import type { CliIO } from "../io.js";
import { displayPath } from "../source.js";
import { hasErrors, parseOptions, renderPrettyAll, SymbolOption, useColor } from "./shared.js";

const CompileOptionsSchema = z.object({
  output: z.string().trim().min(1, "must name a file").optional(),
  symbol: SymbolOption,
  color: z.boolean().default(true),
});

export type CompileOptions = z.input<typeof CompileOptionsSchema>;

/**
 * `tradeplan compile FILE`: writes the compiled-plan JSON to stdout or
 * `-o FILE`. A plan with errors is refused (exit 1, diagnostics on stderr);
 * warnings are shown on stderr and do not stop it.
 */
export async function runCompile(input: string, rawOptions: CompileOptions, io: CliIO): Promise<number> {
  const options = parseOptions(CompileOptionsSchema, rawOptions);
  const path = resolve(io.cwd, input);
  const kind = await io.fs.kind(path).catch((e: unknown) => {
    throw new UsageError(`cannot read \`${input}\`: ${describeFsError(e)}`);
  });
  if (kind === "missing") throw new UsageError(`\`${input}\`: no such file or directory`);
  if (kind !== "file") throw new UsageError(`\`${input}\` is not a file`);
  const { file } = await readSource(path, io);

  let result: ReturnType<typeof analyze>;
  try {
    result = analyze(file.text, {
      fileName: file.display,
      ...(options.symbol !== undefined ? { symbol: options.symbol } : {}),
    });
  } catch (e) {
    throw new Error(
      `internal error while compiling \`${file.display}\`: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  // Diagnostics go to stderr (stdout may be the compiled plan), colored only if the terminal would show them.
  const color = useColor(io, options.color);
  if (result.diagnostics.length > 0) io.stderr.write(`${renderPrettyAll(result.diagnostics, file, color)}\n`);
  if (hasErrors(result.diagnostics) || !result.compiled) {
    io.stderr.write(`error: \`${file.display}\` was not compiled because of the errors above\n`);
    return EXIT.problems;
  }
  // The compiler's output is the runtime's input: checking it here turns a compiler bug into a clear message.
  const valid = CompiledPlanSchema.safeParse(result.compiled);
  if (!valid.success) {
    const issue = valid.error.issues[0];
    throw new Error(`internal error: the compiled plan is invalid at \`${issue?.path.join(".")}\`: ${issue?.message}`);
  }
  const json = `${JSON.stringify(valid.data, null, 2)}\n`;
  if (options.output === undefined || options.output === "-") {
    io.stdout.write(json);
    return EXIT.ok;
  }
  const out = resolve(io.cwd, options.output);
  try {
    await io.fs.writeFile(out, json);
  } catch (e) {
    throw new UsageError(`cannot write \`${displayPath(out, io.cwd)}\`: ${describeFsError(e)}`);
  }
  io.stderr.write(`compiled \`${file.display}\` to \`${displayPath(out, io.cwd)}\`\n`);
  return EXIT.ok;
}
