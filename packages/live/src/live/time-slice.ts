/**
 * Long work in slices: {@link pause} lets the event loop in (signals,
 * metrics scrapes, I/O) once `sliceMs` of work have passed since it last
 * did, so a start-up that takes long still answers SIGTERM at once.
 */
export class TimeSlicer {
  private last = performance.now();

  constructor(private readonly sliceMs = 20) {}

  /** Whether the slice is used up. */
  get due(): boolean {
    return performance.now() - this.last >= this.sliceMs;
  }

  /** Yields to the event loop when the slice is used up. */
  async pause(): Promise<void> {
    if (!this.due) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.last = performance.now();
  }
}
