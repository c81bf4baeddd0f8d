/** Stable codes for {@link IrError}. */
export type IrErrorCode = "IR_INVALID" | "IR_NO_SERIES" | "IR_BAD_INDICATOR";

/** An expression the runtime cannot evaluate; `path` points at the offending node (e.g. `l.src`). */
export class IrError extends Error {
  override readonly name = "IrError";
  constructor(
    readonly code: IrErrorCode,
    readonly path: string,
    message: string,
  ) {
    super(path ? `${message} (at ${path})` : message);
  }
}
