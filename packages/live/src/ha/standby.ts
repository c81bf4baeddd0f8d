import type { Acquired } from "@tradeplan/store";

/** What {@link standBy} needs of a lease (a `LeaseKeeper`). */
export interface Acquirable {
  readonly ttlMs: number;
  tryAcquire(): Promise<Acquired | undefined>;
}

/**
 * Stands by until this process takes the lease (returns what it took over)
 * or `signal` aborts (returns undefined). Tries every TTL/3, so a lease let
 * expire is taken at most TTL/3 after its expiry; a failed try (the server
 * restarting, a dropped connection) is reported once per distinct reason
 * through `warn` and tried again at the same pace.
 */
export async function standBy(
  lease: Acquirable,
  options: { readonly signal?: AbortSignal; readonly warn?: (message: string) => void },
): Promise<Acquired | undefined> {
  const every = Math.max(50, Math.floor(lease.ttlMs / 3));
  let lastProblem: string | undefined;
  while (!options.signal?.aborted) {
    try {
      const took = await lease.tryAcquire();
      if (took) return took;
      lastProblem = undefined;
    } catch (e) {
      const problem = e instanceof Error ? e.message : String(e);
      if (problem !== lastProblem) options.warn?.(`standing by: ${problem}; trying again every ${every} ms`);
      lastProblem = problem;
    }
    await sleep(every, options.signal);
  }
  return undefined;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((done) => {
    const t = setTimeout(finish, ms);
    function finish(): void {
      clearTimeout(t);
      signal?.removeEventListener("abort", finish);
      done();
    }
    signal?.addEventListener("abort", finish, { once: true });
  });
}
