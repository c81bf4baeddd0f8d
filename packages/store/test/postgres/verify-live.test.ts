import { afterEach, describe, expect, it } from "vitest";
import { postgresMissing, usePostgres } from "../../../../test/support/postgres.js";
import { PostgresJournalReader } from "../../src/postgres/read.js";
import { PostgresStore } from "../../src/postgres/store.js";
import { pgDatabase } from "./backends.js";

const missing = postgresMissing();
if (missing) console.warn(`PostgreSQL verify tests skipped: ${missing}`);

/** `audit verify` on a chain a run is writing: found by the failover chaos test (false AUDIT_TRUNCATED). */
describe.skipIf(missing)("verifying a PostgreSQL chain while it is written", () => {
  const pg = usePostgres();
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  });

  it("every verification walks one snapshot: records and head agree however the writer commits meanwhile", async () => {
    Object.assign(process.env, pg().env);
    const url = await pgDatabase(pg());
    const store = await PostgresStore.open(url, { maxGroup: 1 });
    closers.push(() => store.close());
    const reader = await PostgresJournalReader.open(url, "default");
    closers.push(() => reader.close());
    let writing = true;
    const writer = (async () => {
      for (let n = 0; writing; n++) {
        for (let k = 0; k < 3; k++) store.append({ kind: "signal", rule: `r${n}` });
        store.transaction(() => store.flush());
        await store.drain();
      }
    })();
    const problems: string[] = [];
    try {
      for (let i = 0; i < 40; i++) {
        const r = await reader.verify();
        if (!r.ok) problems.push(`${r.problem?.code}: ${r.problem?.message}`);
      }
    } finally {
      writing = false;
      await writer;
    }
    expect(problems).toEqual([]);
    expect(store.headSeq).toBeGreaterThan(30);
  });
});
