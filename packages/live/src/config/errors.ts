/** Stable codes of {@link ConfigError}. */
export type ConfigErrorCode =
  /** The file cannot be read. */
  | "CONFIG_IO"
  /** The text is not valid YAML (syntax, duplicate keys, tabs ...). */
  | "CONFIG_YAML"
  /** The YAML is fine but a value is wrong: unknown key, wrong type, out of range. */
  | "CONFIG_INVALID";

/** One problem in a configuration file, with its position when the YAML has one. */
export interface ConfigIssue {
  /** Dotted key path, `(root)` for the document itself. */
  readonly path: string;
  /** 1-based line and column; 0 when unknown. */
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** A configuration file that cannot be used. The message lists every issue as `file:line:column: path: message`. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly code: ConfigErrorCode,
    readonly file: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(
      issues.length === 1
        ? `${code}: ${formatIssue(file, issues[0]!)}`
        : `${code}: ${file} has ${issues.length} problems:\n${issues.map((i) => `  ${formatIssue(file, i)}`).join("\n")}`,
    );
  }
}

/** `file:line:column: path: message` (no position when the line is unknown). */
export function formatIssue(file: string, i: ConfigIssue): string {
  const where = i.line > 0 ? `${file}:${i.line}:${i.column}` : file;
  return `${where}: ${i.path === "(root)" ? "" : `${i.path}: `}${i.message}`;
}
