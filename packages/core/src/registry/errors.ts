/** Stable codes for {@link RegistryError}. */
export type RegistryErrorCode =
  | "REG_SEALED"
  | "REG_BAD_TOKEN"
  | "REG_DUPLICATE"
  | "REG_INVALID_NAME"
  | "REG_INVALID_CLASS"
  | "REG_UNKNOWN_FUNCTION"
  | "REG_DISABLED"
  | "REG_MAX_INSTANCES"
  | "REG_INVALID_PARAMS"
  | "REG_INVALID_CONFIG"
  | "REG_INVALID_PLAN";

/** A refused registry operation. `issues` lists `path: message` lines when the cause is bad input. */
export class RegistryError extends Error {
  override readonly name = "RegistryError";
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    readonly issues: readonly string[] = [],
  ) {
    super(message);
  }
}

export { issueLines } from "../ir/zod-issues.js";
