import { afterEach, describe, expect, it } from "vitest";
import { postgresMissing, usePostgres } from "../../../../test/support/postgres.js";
import { ShadowComparer, shadowAccountOf } from "../../src/postgres/shadow.js";
import { PostgresStore } from "../../src/postgres/store.js";
import { pgDatabase } from "./backends.js";

const missing = postgresMissing();
if (missing) console.warn(`PostgreSQL shadow tests skipped: ${missing}`);

const T = Date.UTC(2024, 2, 4, 14, 31);
const MIN = 60_000;

/** A standby's shadow decisions against the leader's (`--ha`). */
describe.skipIf(missing)("comparing shadow decisions with the leader's", () => {
  const pg = usePostgres();
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  });
  const chain = async (url: string, account: string, decisions: [number, string][]) => {
    const s = await PostgresStore.open(url, { account });
    for (const [bar, action] of decisions)
      s.append({ kind: "evaluation", rule: "r1", symbol: "AAPL", timeframe: "1m", barTime: T + bar * MIN, action });
    s.transaction(() => s.flush());
    await s.close();
  };

  it("the shadow account's name; equal decisions compare clean, another action or a bar the leader passed undecided diverge, a bar the leader has not reached waits", async () => {
    expect(shadowAccountOf("desk-1", "machine a:42")).toBe("desk-1.shadow.machine-a-42");
    Object.assign(process.env, pg().env);
    const url = await pgDatabase(pg());
    await chain(url, "acct", [
      [0, "NONE"],
      [1, "ENTER_LONG"],
      [3, "NONE"],
    ]);
    await chain(url, "acct.shadow.b", [
      [0, "NONE"],
      [1, "NONE"],
      [2, "NONE"],
      [3, "NONE"],
      [4, "NONE"],
    ]);
    const c = await ShadowComparer.open(url, "acct", "acct.shadow.b");
    closers.push(() => c.close());
    const first = await c.next();
    expect(first.compared).toBe(4);
    expect(first.diverged).toEqual([
      { rule: "r1", symbol: "AAPL", barTime: T + MIN, leader: "ENTER_LONG", shadow: "NONE" },
      { rule: "r1", symbol: "AAPL", barTime: T + 2 * MIN, leader: null, shadow: "NONE" },
    ]);
    // Bar 4: the leader is not there yet (a record of another kind stamped later, as an IBKR fill's wall-clock
    // time is, does not count); once it decides it, it is compared, once.
    const other = await PostgresStore.open(url, { account: "acct" });
    other.append({ kind: "signal", rule: "r1", symbol: "AAPL", timeframe: "1m", barTime: T + 1_000 * MIN });
    other.transaction(() => other.flush());
    await other.close();
    expect(await c.next()).toEqual({ compared: 0, diverged: [] });
    await chain(url, "acct", [[4, "NONE"]]);
    expect(await c.next()).toEqual({ compared: 1, diverged: [] });
    expect(await c.next()).toEqual({ compared: 0, diverged: [] });
  });
});
