/** Exit codes of every command (documented in docs/cli.md). */
export const EXIT = {
  /** Clean: no errors (and no warnings with `--warnings-as-errors`). */
  ok: 0,
  /** The plans have problems: errors, unparsable input for `fmt`. */
  problems: 1,
  /** Bad usage or an internal error: unknown flag, missing file, unreadable path, formatter self-check failure. */
  usage: 2,
  /** `fmt --check`: some file is not formatted. */
  unformatted: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * A problem with how the command was called or with the files it was given
 * (not with a plan's content): reported as `error: message` on stderr, exit 2.
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** `ENOENT: no such file...` -> a short reason for a message about `path`. */
export function describeFsError(e: unknown): string {
  const code = (e as { code?: unknown } | undefined)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file or directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a directory";
    case "ENOTDIR":
      return "a part of the path is not a directory";
    case "EMFILE":
    case "ENFILE":
      return "too many open files";
    default:
      return e instanceof Error ? e.message : String(e);
  }
}
