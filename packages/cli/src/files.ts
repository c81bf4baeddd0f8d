import { describeFsError, UsageError } from "./errors.js";
import type { CliIO } from "./io.js";
import { decode, displayPath, type SourceFile, sourceFile } from "./source.js";

/** Largest plan file read, in bytes: a plan is a page of text, so anything far larger is a mistake (or an attack). */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

export interface ReadSource {
  readonly file: SourceFile;
  readonly bytes: Uint8Array;
}

/** Reads one plan file as bytes and decodes it; an unreadable or oversized file is a `UsageError` naming it. */
export async function readSource(path: string, io: CliIO): Promise<ReadSource> {
  const shown = displayPath(path, io.cwd);
  let bytes: Uint8Array;
  try {
    bytes = await io.fs.readFile(path);
  } catch (e) {
    throw new UsageError(`cannot read \`${shown}\`: ${describeFsError(e)}`);
  }
  if (bytes.length > MAX_FILE_BYTES) {
    throw new UsageError(`\`${shown}\` is too large: ${bytes.length} bytes (at most ${MAX_FILE_BYTES})`);
  }
  return { file: sourceFile(path, io.cwd, decode(bytes)), bytes };
}
