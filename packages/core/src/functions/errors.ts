/** Stable codes for {@link FunctionError}. */
export type FunctionErrorCode = "FN_INVALID_PARAMS" | "FN_FOREIGN_STATE" | "FN_BAD_TIMEZONE";

/** A function rejected its parameters or was called wrongly; `issues` lists zod issue paths and messages. */
export class FunctionError extends Error {
  override readonly name = "FunctionError";
  constructor(
    readonly code: FunctionErrorCode,
    message: string,
    readonly issues: readonly string[] = [],
  ) {
    super(message);
  }
}
