import { lookupCode } from "@tradeplan/dsl";
import { EXIT } from "../errors.js";
import { closestCodes, renderExplanation } from "../explain.js";
import type { CliIO } from "../io.js";
import { sanitize } from "../render/text.js";

/** `tradeplan explain CODE`: the long form of a code; an unknown code is exit 2 with the closest ones. */
export function runExplain(code: string, io: CliIO): number {
  const info = lookupCode(code);
  if (!info) {
    const near = closestCodes(code);
    io.stderr.write(`error: unknown diagnostic code \`${sanitize(code)}\`\n`);
    if (near.length > 0) io.stderr.write(`help: did you mean ${near.map((c) => `\`${c}\``).join(", ")}?\n`);
    io.stderr.write("the codes are listed in docs/diagnostics.md\n");
    return EXIT.usage;
  }
  io.stdout.write(renderExplanation(info));
  return EXIT.ok;
}
