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
