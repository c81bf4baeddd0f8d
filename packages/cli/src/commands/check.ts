import { analyze, type Diagnostic } from "@tradeplan/dsl";
import { z } from "zod";
import { EXIT } from "../errors.js";
import { readSource } from "../files.js";
import { resolveInputs } from "../inputs.js";
import type { CliIO } from "../io.js";
import { renderGithub } from "../render/github.js";
import { renderJson } from "../render/json.js";
import { renderSummary } from "../render/pretty.js";
import { countSeverity, type FileReport } from "../render/report.js";
import { VERSION } from "../version.js";
import { CHECK_FORMATS } from "./choices.js";
import { parseOptions, renderPrettyAll, SymbolOption, useColor } from "./shared.js";

export { CHECK_FORMATS };

const CheckOptionsSchema = z.object({
  format: z.enum(CHECK_FORMATS).default("pretty"),
  symbol: SymbolOption,
  warningsAsErrors: z.boolean().default(false),
  color: z.boolean().default(true),
});

export type CheckOptions = z.input<typeof CheckOptionsSchema>;

/**
 * Checks one decoded file; an exception from the checker is a bug, reported with the file's name. The
 * compiler is not run: every error it could raise is the checker's too (packages/dsl/test/check-compiles.property.test.ts).
 */
export function checkSource(text: string, display: string, symbol: string | undefined): Diagnostic[] {
  try {
    return analyze(text, { fileName: display, compile: false, ...(symbol !== undefined ? { symbol } : {}) })
      .diagnostics;
  } catch (e) {
    throw new Error(`internal error while checking \`${display}\`: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * `tradeplan check`: checks every plan named (files, directories, globs) and
 * prints the diagnostics in the chosen format. Exit 0 clean, 1 any error (or
 * warning with `--warnings-as-errors`), 2 usage problems.
 */
export async function runCheck(inputs: readonly string[], rawOptions: CheckOptions, io: CliIO): Promise<number> {
  const options = parseOptions(CheckOptionsSchema, rawOptions);
  const paths = await resolveInputs(inputs, io.cwd, io.fs);
  const reports: FileReport[] = [];
  for (const path of paths) {
    const { file } = await readSource(path, io);
    reports.push({ file, diagnostics: checkSource(file.text, file.display, options.symbol) });
  }

  const errors = countSeverity(reports, "error");
  const warnings = countSeverity(reports, "warning");
  const color = useColor(io, options.color);
  const summary = renderSummary(
    {
      files: reports.length,
      filesWithProblems: reports.filter((r) => r.diagnostics.length > 0).length,
      errors,
      warnings,
      failOnWarnings: options.warningsAsErrors,
    },
    color,
  );
  switch (options.format) {
    case "pretty": {
      const blocks = reports
        .filter((r) => r.diagnostics.length > 0)
        .map((r) => renderPrettyAll(r.diagnostics, r.file, color));
      io.stdout.write(blocks.map((b) => `${b}\n`).join("") + summary);
      break;
    }
    case "json":
      io.stdout.write(renderJson(reports));
      break;
    case "github":
      io.stdout.write(renderGithub(reports));
      // Machine formats keep stdout clean; the summary goes to the log.
      io.stderr.write(summary);
      break;
    case "sarif": {
      // Imported here: its fingerprints load node:crypto, which the other formats need not pay for at start-up.
      const { renderSarif } = await import("../render/sarif.js");
      io.stdout.write(
        renderSarif(reports, {
          version: VERSION,
          ...(io.env.TRADEPLAN_DOCS_URL ? { docsUrl: io.env.TRADEPLAN_DOCS_URL } : {}),
        }),
      );
      io.stderr.write(summary);
      break;
    }
  }
  return errors > 0 || (options.warningsAsErrors && warnings > 0) ? EXIT.problems : EXIT.ok;
}
