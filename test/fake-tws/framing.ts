/**
 * TWS API framing (protocol v100+): every message is a 4-byte big-endian
 * length followed by NUL-terminated fields. The client opens with the bytes
 * `API\0`, then one framed field holding its version range (`v100..193`).
 */

/** Encodes one server message. Numbers and booleans are written as TWS writes them. */
export function frame(fields: readonly (string | number | boolean | undefined)[]): Buffer {
  const text = fields
    .map((f) => (f === undefined ? "" : typeof f === "boolean" ? (f ? "1" : "0") : String(f)))
    .join("\0");
  const body = Buffer.from(`${text}\0`, "utf8");
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

/** Splits a framed message body into its fields (the trailing NUL ends the last one). */
export function fields(body: Buffer): string[] {
  const parts = body.toString("utf8").split("\0");
  if (parts[parts.length - 1] === "") parts.pop();
  return parts;
}

/** Incremental reader of what a client sends: the `API\0` prefix once, then frames. */
export class ClientReader {
  private buffer = Buffer.alloc(0);
  private sawPrefix = false;

  /** Adds bytes; returns the complete frames they finished (the first is the version range). */
  push(chunk: Buffer): string[][] {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const out: string[][] = [];
    if (!this.sawPrefix) {
      if (this.buffer.length < 4) return out;
      if (this.buffer.subarray(0, 4).toString("latin1") !== "API\0") {
        throw new Error(
          `client did not open with API\\0 (got ${JSON.stringify(this.buffer.subarray(0, 4).toString("latin1"))})`,
        );
      }
      this.buffer = this.buffer.subarray(4);
      this.sawPrefix = true;
    }
    while (this.buffer.length >= 4) {
      const len = this.buffer.readUInt32BE(0);
      if (this.buffer.length < 4 + len) break;
      const body = this.buffer.subarray(4, 4 + len);
      this.buffer = this.buffer.subarray(4 + len);
      out.push(fields(body));
    }
    return out;
  }
}
