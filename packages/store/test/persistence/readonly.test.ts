import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { AuditError, AuditJournal } from "../../src/audit/index.js";
import { StateError, StateStore } from "../../src/persistence/index.js";

/**
 * A database that cannot be written: every error says which file, and that
 * it is read-only, whether the store or the journal opened it or was handed
 * a connection, at open or at a later write.
 */

const dirs: string[] = [];
const mounts: string[] = [];
afterEach(() => {
  for (const m of mounts.splice(0)) {
    try {
      execFileSync("umount", [m]);
    } catch {
      // Left for the OS.
    }
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "tp-readonly-"));
  dirs.push(d);
  return d;
}

const STATE = {
  savedAt: 1,
  watermarks: [],
  streams: [],
  broker: { kind: "external", positions: [], openOrders: [] },
  risk: { state: "ACTIVE", haltedBy: null, day: null, dayStartEquity: 0, dayLoss: 0, recent: [] },
  engines: [],
  trading: { state: "ACTIVE", reason: "test" },
  orderOrigins: [],
} as const;

function errorOf(f: () => unknown): Error & { code?: string } {
  try {
    f();
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error("expected a throw");
}

/** A database file with the journal and state tables, then closed. */
function prepared(file: string): void {
  const store = new StateStore(file);
  new AuditJournal(store.db, {}).close();
  store.close();
}

describe("a read-only database names the file", () => {
  it("a connection opened read-only and handed in: STATE_READONLY and AUDIT_READONLY with the file", () => {
    const file = join(tempDir(), "state.db");
    prepared(file);
    const db = new Database(file, { readonly: true });
    try {
      const store = new StateStore(db);
      const save = errorOf(() => store.save(STATE));
      expect(save).toBeInstanceOf(StateError);
      expect(save.code).toBe("STATE_READONLY");
      expect(save.message).toContain(`state database \`${file}\` is read-only`);
      const journal = errorOf(() => new AuditJournal(db, {}));
      expect(journal).toBeInstanceOf(AuditError);
      expect(journal.code).toBe("AUDIT_READONLY");
      expect(journal.message).toContain(`audit journal \`${file}\` is read-only`);
    } finally {
      db.close();
    }
  });

  it("a save refused by the database names the file", () => {
    const file = join(tempDir(), "state.db");
    const db = new Database(file);
    const store = new StateStore(db);
    db.pragma("query_only = ON");
    const e = errorOf(() => store.save(STATE));
    expect(e.code).toBe("STATE_READONLY");
    expect(e.message).toMatch(
      new RegExp(`state database \`${file}\` is read-only; failed while saving the session state`),
    );
    db.close();
  });

  it("on a file system mounted read-only: opening and writing both name the file and say read-only", (ctx) => {
    const mnt = join(tempDir(), "ro");
    mkdirSync(mnt);
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt], { stdio: "pipe" });
    } catch (e) {
      ctx.skip(`cannot mount a tmpfs here (needs root): ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
      return;
    }
    mounts.push(mnt);
    const file = join(mnt, "state.db");
    prepared(file);
    // (A file system cannot be remounted read-only while a file on it is open for writing.)
    execFileSync("mount", ["-o", "remount,ro", mnt]);
    const open = errorOf(() => new StateStore(file));
    expect(open).toBeInstanceOf(StateError);
    expect(open.code).toBe("STATE_READONLY");
    expect(open.message).toContain(`state database \`${file}\` is read-only (the file cannot be written (EROFS))`);
    const openJournal = errorOf(() => new AuditJournal(file));
    expect(openJournal.code).toBe("AUDIT_READONLY");
    expect(openJournal.message).toContain(`audit journal \`${file}\` is read-only`);
  });
});
