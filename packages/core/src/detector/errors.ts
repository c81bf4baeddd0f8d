/** Stable codes of detector errors. */
export type DetectorErrorCode = "DETECTOR_BAD_CONFIG" | "DETECTOR_BAD_STREAM" | "DETECTOR_DUPLICATE_STREAM";

/** The detector was configured or used wrongly. */
export class DetectorError extends Error {
  override readonly name = "DetectorError";
  constructor(
    readonly code: DetectorErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
