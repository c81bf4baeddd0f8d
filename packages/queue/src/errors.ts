/** Stable codes of what the queue refuses or cannot do (docs/scale-out.md, "Distributed sweeps"). */
export type QueueErrorCode =
  /** The `--queue` URL is not a PostgreSQL URL, or carries a password. */
  | "QUEUE_URL"
  /** The server could not be reached or refused the login. */
  | "QUEUE_CONNECT"
  /** A bar cache file is missing, unreadable or not a cache. */
  | "CACHE_READ"
  /** A bar cache's columns do not hash to its checksum, or to the one a job expects. */
  | "CACHE_CHECKSUM"
  /** A job failed on every attempt (its last error is in the message). */
  | "QUEUE_JOB_FAILED";

/** A failure with a stable code and a message that says what to fix. */
export class QueueError extends Error {
  constructor(
    readonly code: QueueErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "QueueError";
  }
}
