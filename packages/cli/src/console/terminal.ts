import type { Writer } from "../io.js";

/** Erases the current line and returns the cursor to its start (ANSI CSI 2K). */
const CLEAR_LINE = "\r\u001b[2K";

/**
 * An operator's terminal: event lines scroll by while one status line stays
 * at the bottom, redrawn in place. Every write clears the status line first
 * and draws it again after, so the two never interleave. Only for a
 * terminal: elsewhere, `run` writes JSON lines and no status line.
 */
export class StatusTerminal {
  private statusText = "";
  private closed = false;

  constructor(private readonly out: Writer) {}

  /** Prints event text (one or more whole lines) above the status line. */
  write(text: string): void {
    if (this.closed) {
      this.out.write(text);
      return;
    }
    const line = text.endsWith("\n") ? text : `${text}\n`;
    this.out.write(`${CLEAR_LINE}${line}${this.statusText}`);
  }

  /** Replaces the status line. */
  status(text: string): void {
    if (this.closed || text === this.statusText) return;
    this.statusText = text;
    this.out.write(`${CLEAR_LINE}${text}`);
  }

  /** Removes the status line for good (before the summary); later writes go straight through. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.statusText !== "") this.out.write(CLEAR_LINE);
  }
}
