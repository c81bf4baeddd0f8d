import type { IBApi } from "@stoqey/ib";
import { z } from "zod";

const Fn = z.custom<(...args: unknown[]) => unknown>((v) => typeof v === "function");
const ControllerShape = z.looseObject({
  processIngressQueue: Fn,
  decoder: z.looseObject({ drainQueue: Fn }),
});

/**
 * @stoqey/ib decodes incoming messages inside the socket's `data` handler and
 * rethrows anything that is not an underrun (a malformed advanced-reject JSON
 * in an error message, for one). Thrown there, it would be an uncaught
 * exception that ends the process. This wraps the decoder step of one IBApi
 * instance: a throwing message is reported, the rest of it is drained, and
 * decoding goes on with the next message.
 *
 * Returns false when the library's internals do not have the expected shape
 * (another version): the caller reports that the guard is missing.
 */
export function guardDecoder(api: IBApi, report: (reason: string) => void): boolean {
  const controller: unknown = Reflect.get(api, "controller");
  if (!ControllerShape.safeParse(controller).success || typeof controller !== "object" || controller === null) {
    return false;
  }
  const original = Reflect.get(controller, "processIngressQueue") as (...args: unknown[]) => unknown;
  const decoder: unknown = Reflect.get(controller, "decoder");
  if (typeof decoder !== "object" || decoder === null) return false;
  const drain = Reflect.get(decoder, "drainQueue") as (...args: unknown[]) => unknown;
  Reflect.set(controller, "processIngressQueue", () => {
    // Each failed round drops one message, so this ends once the queue is empty.
    for (let round = 0; round < 10_000; round++) {
      try {
        original.call(controller);
        return;
      } catch (e) {
        report(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
        drain.call(decoder);
      }
    }
  });
  return true;
}

const SocketShape = z.looseObject({ onData: Fn, useV100Plus: z.boolean(), _v100MessageBuffer: z.instanceof(Buffer) });

/**
 * @stoqey/ib reads a frame's length as a signed 32-bit number and, given a
 * negative one, slices its buffer without ever shortening it: the read loop
 * then spins forever inside the socket's `data` handler, and no timer, no
 * watchdog and no signal handler runs again (garbage on the wire hung the
 * process at full CPU). This checks each chunk before the library reads it:
 * a frame announcing a negative length means the stream is corrupt and
 * cannot be read past that point, so nothing more of this socket is read and
 * `onCorrupt` is told (the connection then reconnects with a fresh socket).
 *
 * Returns false when the library's internals do not have the expected shape.
 */
export function guardFraming(api: IBApi, onCorrupt: (reason: string) => void): boolean {
  const controller: unknown = Reflect.get(api, "controller");
  if (typeof controller !== "object" || controller === null) return false;
  const socket: unknown = Reflect.get(controller, "socket");
  if (!SocketShape.safeParse(socket).success || typeof socket !== "object" || socket === null) return false;
  const original = Reflect.get(socket, "onData") as (data: Buffer) => unknown;
  let corrupt = false;
  Reflect.set(socket, "onData", (data: Buffer) => {
    if (corrupt) return;
    if (Reflect.get(socket, "useV100Plus") === true) {
      const size = negativeFrameLength(Reflect.get(socket, "_v100MessageBuffer") as Buffer, data);
      if (size !== undefined) {
        corrupt = true;
        Reflect.set(socket, "_v100MessageBuffer", Buffer.alloc(0));
        onCorrupt(`a frame announced ${size} bytes`);
        return;
      }
    }
    original.call(socket, data);
  });
  return true;
}

/**
 * Walks the frames of `head` (the unread bytes the library holds, starting at a frame) followed by `data`, as
 * the library will, and returns the first negative length it would read, or undefined.
 */
export function negativeFrameLength(head: Buffer, data: Buffer): number | undefined {
  const total = head.length + data.length;
  const at = (i: number): number => (i < head.length ? (head[i] ?? 0) : (data[i - head.length] ?? 0));
  let off = 0;
  while (total - off > 4) {
    // `<< 24` makes it a signed 32-bit number, as the library's readInt32BE does.
    const size = (at(off) << 24) | (at(off + 1) << 16) | (at(off + 2) << 8) | at(off + 3);
    if (size < 0) return size;
    if (total - off < 4 + size) return undefined;
    off += 4 + size;
  }
  return undefined;
}
