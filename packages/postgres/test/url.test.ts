import { describe, expect, it } from "vitest";
import { checkPostgresUrl, connectProblem, isPostgresUrl } from "../src/index.js";

const bad = (why: string) => new Error(`where: ${why}`);

describe("checkPostgresUrl", () => {
  it("accepts a URL without a password and labels it without the query", () => {
    expect(checkPostgresUrl(" postgres://u@db.example:5433/sweeps?sslmode=require ", bad)).toEqual({
      url: "postgres://u@db.example:5433/sweeps?sslmode=require",
      label: "postgres://u@db.example:5433/sweeps",
    });
    expect(checkPostgresUrl("postgresql://db/j", bad).label).toBe("postgres://db/j");
  });

  it("refuses, in the caller's error, what is not a usable connection string", () => {
    const cases: [string, RegExp][] = [
      ["not a url", /^where: `not a url` is not a connection string; write postgres:\/\//],
      ["mysql://u@db/x", /is not postgres:/],
      ["postgres://u:secret@db/x", /carries a password; remove it and set PGPASSWORD/],
      ["postgres://u@db/x?password=secret", /carries a password/],
      ["postgres://u@db:5432/", /names no database/],
      ["postgres://u@db/a/b", /names no database/],
      ["postgres://u@db/x?sslmode=maybe", /sslmode=maybe is not one of disable, prefer, require/],
    ];
    for (const [url, why] of cases) expect(() => checkPostgresUrl(url, bad), url).toThrow(why);
  });

  it("tells a server URL from a file name", () => {
    expect(isPostgresUrl("postgres://db/x")).toBe(true);
    expect(isPostgresUrl("POSTGRESQL://db/x")).toBe(true);
    expect(isPostgresUrl("journal.db")).toBe(false);
  });
});

describe("connectProblem", () => {
  const err = (code: string, message = "boom") => Object.assign(new Error(message), { code });
  it("says what to fix for the usual failures", () => {
    expect(connectProblem(err("ECONNREFUSED"))).toMatch(/is the server running/);
    expect(connectProblem(err("ENOTFOUND"))).toMatch(/unknown host/);
    expect(connectProblem(err("28P01", "password authentication failed"))).toMatch(/set PGPASSWORD/);
    expect(connectProblem(err("3D000", 'database "x" does not exist'))).toMatch(/create it/);
    expect(connectProblem(new Error("SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string"))).toMatch(
      /the server asks for a password/,
    );
    expect(connectProblem(new Error("something else"))).toBe("something else");
  });
});
