/**
 * Why a sweep cannot start: a `--param` the plan does not accept, a space
 * above the cap, a walk-forward window longer than the data, a plan with
 * no params. The message is one line saying what to fix; the CLI prints it
 * and exits 2.
 */
export type OptimizeInputCode =
  | "OPT_NO_PARAMS"
  | "OPT_BAD_PARAM"
  | "OPT_NO_STEP"
  | "OPT_TOO_MANY_VARIANTS"
  | "OPT_BAD_SAMPLES"
  | "OPT_BAD_WINDOW"
  | "OPT_WINDOW_TOO_LONG";

export class OptimizeInputError extends Error {
  constructor(
    /** Stable code, e.g. `OPT_TOO_MANY_VARIANTS`. */
    readonly code: OptimizeInputCode,
    message: string,
  ) {
    super(message);
    this.name = "OptimizeInputError";
  }
}
