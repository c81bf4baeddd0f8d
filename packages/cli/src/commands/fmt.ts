import { type Diagnostic, format } from "@tradeplan/dsl";
import { z } from "zod";
import { describeFsError, EXIT, UsageError } from "../errors.js";
import { readSource } from "../files.js";
import { resolveInputs } from "../inputs.js";
import type { CliIO } from "../io.js";
import { invalidUtf8At, type SourceFile } from "../source.js";
import { parseOptions, renderPrettyAll, useColor } from "./shared.js";

const FmtOptionsSchema = z
  .object({
    check: z.boolean().default(false),
    write: z.boolean().default(false),
    color: z.boolean().default(true),
  })
  .refine((o) => !(o.check && o.write), { message: "use either --check or --write, not both", path: ["check"] });

export type FmtOptions = z.input<typeof FmtOptionsSchema>;

type Outcome =
  | { kind: "same" }
  | { kind: "changed"; text: string }
  | { kind: "unparsable"; diagnostics: Diagnostic[] }
  | { kind: "not-utf8"; byte: number }
  | { kind: "self-check"; diagnostics: Diagnostic[] };

const encoder = new TextEncoder();

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function formatOne(file: SourceFile, bytes: Uint8Array): Outcome {
  // Invalid bytes inside a comment or string would be rewritten as U+FFFD: refuse rather than lose them.
  const bad = invalidUtf8At(bytes);
  if (bad !== undefined) return { kind: "not-utf8", byte: bad };
  const r = format(file.text);
  if (!r.ok) {
    return r.diagnostics.some((d) => d.code === "E0006")
      ? { kind: "self-check", diagnostics: r.diagnostics }
      : { kind: "unparsable", diagnostics: r.diagnostics };
  }
  // Compare bytes, not text: a BOM or CRLF line breaks alone make a file unformatted.
  return sameBytes(encoder.encode(r.text), bytes) ? { kind: "same" } : { kind: "changed", text: r.text };
}

/**
 * `tradeplan fmt`: prints the formatted plan (one file), rewrites files
 * (`--write`) or lists the unformatted ones (`--check`, exit 3). Unparsable
 * input is refused (exit 1); a failed formatter self-check is exit 2.
 */
export async function runFmt(inputs: readonly string[], rawOptions: FmtOptions, io: CliIO): Promise<number> {
  const options = parseOptions(FmtOptionsSchema, rawOptions);
  const paths = await resolveInputs(inputs, io.cwd, io.fs);
  if (!options.check && !options.write && paths.length !== 1) {
    throw new UsageError(`${paths.length} files given: printing works on one file; use --write or --check for several`);
  }
  const color = useColor(io, options.color);
  let unparsable = 0;
  let selfCheck = 0;
  let changed = 0;
  for (const path of paths) {
    const { file, bytes } = await readSource(path, io);
    const outcome = formatOne(file, bytes);
    switch (outcome.kind) {
      case "not-utf8":
        unparsable++;
        io.stderr.write(
          `error: \`${file.display}\` is not valid UTF-8 (byte ${outcome.byte}); fmt does not rewrite it\n`,
        );
        break;
      case "unparsable":
        unparsable++;
        io.stderr.write(`${renderPrettyAll(outcome.diagnostics, file, color)}\n`);
        io.stderr.write(`error: \`${file.display}\` has syntax errors and was not formatted\n`);
        break;
      case "self-check":
        selfCheck++;
        io.stderr.write(`${renderPrettyAll(outcome.diagnostics, file, color)}\n`);
        io.stderr.write(
          `error: INTERNAL FORMATTER ERROR: formatting \`${file.display}\` would change the plan's meaning.\n` +
            "       The file was NOT changed. This is a bug in tradeplan; please report it with this file.\n",
        );
        break;
      case "same":
      case "changed": {
        const text = outcome.kind === "changed" ? outcome.text : file.text;
        if (outcome.kind === "changed") changed++;
        if (options.check) {
          if (outcome.kind === "changed") io.stdout.write(`${file.display}\n`);
        } else if (options.write) {
          if (outcome.kind === "changed") {
            try {
              await io.fs.writeFile(path, text);
            } catch (e) {
              throw new UsageError(`cannot write \`${file.display}\`: ${describeFsError(e)}`);
            }
            io.stdout.write(`${file.display}\n`);
          }
        } else {
          io.stdout.write(text);
        }
        break;
      }
    }
  }
  if (selfCheck > 0) return EXIT.usage;
  if (unparsable > 0) return EXIT.problems;
  if (options.check && changed > 0) {
    io.stderr.write(`${changed} file${changed === 1 ? "" : "s"} would be reformatted; run \`tradeplan fmt --write\`\n`);
    return EXIT.unformatted;
  }
  return EXIT.ok;
}
