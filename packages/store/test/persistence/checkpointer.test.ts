import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { StateStore } from "../../src/persistence/index.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Commits `n` transactions of about 64 KiB each on the store's connection. */
function fill(store: StateStore, n: number): void {
  store.db.exec("CREATE TABLE IF NOT EXISTS filler (x BLOB)");
  const ins = store.db.prepare("INSERT INTO filler (x) VALUES (randomblob(65536))");
  for (let i = 0; i < n; i++) store.transaction(() => ins.run());
}

describe("StateStore: checkpoints in the background", () => {
  it("the WAL is copied into the database by the other thread, not at the writer's commits", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tradeplan-checkpoint-"));
    dirs.push(dir);
    const file = join(dir, "run.db");
    const store = new StateStore(file, { checkpointInBackground: true });
    const before = statSync(file).size;
    // 8 MiB: past SQLite's own automatic checkpoint (4 MiB), short of the writer's net (40 MiB).
    // The writer checkpoints itself only past 40 MiB: what reaches the file below that, the other thread copied.
    expect(store.db.pragma("wal_autocheckpoint", { simple: true })).toBe(10_000);
    fill(store, 128);
    const deadline = Date.now() + 10_000;
    while (statSync(file).size < before + 8 * 2 ** 20 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(statSync(file).size).toBeGreaterThanOrEqual(before + 8 * 2 ** 20);
    store.close();
    // Closed for good: the file can be opened, read and removed.
    const again = new StateStore(file);
    expect((again.db.prepare("SELECT COUNT(*) AS n FROM filler").get() as { n: number }).n).toBe(128);
    again.close();
  });

  it("without it, the writer checkpoints on its own", () => {
    const dir = mkdtempSync(join(tmpdir(), "tradeplan-checkpoint-"));
    dirs.push(dir);
    const file = join(dir, "run.db");
    const store = new StateStore(file);
    const before = statSync(file).size;
    fill(store, 128);
    expect(statSync(file).size).toBeGreaterThan(before);
    store.close();
  });
});
