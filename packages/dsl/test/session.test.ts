import { describe, expect, test } from "vitest";
import { analyze } from "../src/analyze.js";
import { CALENDARS, findCalendar } from "../src/calendars.js";
import { CODES } from "../src/codes.js";
import { format } from "../src/format.js";
import { codes, only, run, spanText } from "./checker-helpers.js";

/** The `session` statement's forms: a kind, a kind with an exchange calendar, fixed hours (E0307, E0308). */

const HEAD = 'plan "t"\nsymbol FESX\n';
const RULE = "on 15m close above 3700 enter long\n";

describe("session forms", () => {
  test('`session regular "XEUR"` names Eurex and puts the plan in Berlin time', () => {
    const r = analyze(`${HEAD}session regular "XEUR"\n${RULE}`);
    expect(r.diagnostics).toEqual([]);
    expect(r.compiled).toMatchObject({ session: "regular", calendar: "XEUR", timezone: "Europe/Berlin" });
    expect(r.compiled).not.toHaveProperty("hours");
  });

  test("an explicit timezone wins over the calendar's", () => {
    const r = analyze(`${HEAD}timezone "Asia/Tokyo"\nsession regular "CME"\n${RULE}`);
    expect(r.diagnostics).toEqual([]);
    expect(r.compiled).toMatchObject({ calendar: "CMES", timezone: "Asia/Tokyo" });
  });

  test("aliases and any case name the same calendar; NYSE, the default, is left out of the plan", () => {
    for (const name of ["eurex", "Eurex", "XEUR"]) expect(findCalendar(name)?.id).toBe("XEUR");
    for (const name of ["XCME", "cme", "Globex"]) expect(findCalendar(name)?.id).toBe("CMES");
    const r = analyze(`${HEAD}session extended "NYSE"\n${RULE}`);
    expect(r.compiled).toMatchObject({ session: "extended", timezone: "America/New_York" });
    expect(r.compiled).not.toHaveProperty("calendar");
    expect(analyze(`${HEAD}session regular "XNAS"\n${RULE}`).compiled).toMatchObject({ calendar: "XNAS" });
  });

  test("`session 09:00-17:30` gives fixed hours in the plan's zone", () => {
    const r = analyze(`${HEAD}timezone "Europe/Berlin"\nsession 09:00-17:30\n${RULE}`);
    expect(r.diagnostics).toEqual([]);
    expect(r.compiled).toMatchObject({
      session: "regular",
      timezone: "Europe/Berlin",
      hours: { open: "09:00", close: "17:30" },
    });
    expect(r.compiled).not.toHaveProperty("calendar");
    // Written with one-digit hours, compiled as HH:MM.
    expect(analyze(`${HEAD}session 8:00-22:00\n${RULE}`).compiled?.hours).toEqual({ open: "08:00", close: "22:00" });
  });

  test("the plain kinds compile as before", () => {
    for (const kind of ["regular", "extended", "always"]) {
      const r = analyze(`${HEAD}session ${kind}\n${RULE}`);
      expect(r.diagnostics).toEqual([]);
      expect(r.compiled?.session).toBe(kind);
      expect(r.compiled).not.toHaveProperty("calendar");
      expect(r.compiled).not.toHaveProperty("hours");
    }
  });

  test("fmt prints each form back as written", () => {
    for (const line of ['session regular "XEUR"', "session 09:00-17:30", 'session extended "XNAS"', "session always"]) {
      const src = `${HEAD}${line}\n\n${RULE}`;
      expect(format(src)).toEqual({ ok: true, text: src });
    }
  });

  test("window checks against NYSE hours do not apply to another exchange's or fixed hours", () => {
    // 19:00-21:00 is outside NYSE's regular hours (E0303) but inside fixed 08:00-22:00 New York hours.
    const rule = "on 15m close above 3700 between 19:00 and 21:00 enter long\n";
    expect(codes(`${HEAD}session regular\n${rule}`)).toEqual(["E0303"]);
    expect(codes(`${HEAD}session 08:00-22:00\n${rule}`)).toEqual([]);
    expect(codes(`${HEAD}timezone "America/New_York"\nsession regular "CMES"\n${rule}`)).toEqual([]);
  });
});

describe("E0307 unknown exchange calendar", () => {
  test("an unknown name, with the closest known one as a fix", () => {
    const src = `${HEAD}session regular "EUREKS"\n${RULE}`;
    const d = only(src, "E0307");
    expect(d.message).toBe("unknown exchange calendar `EUREKS`");
    expect(spanText(src, d)).toBe('"EUREKS"');
    expect(d.fix?.text).toBe('"EUREX"');
  });

  test("a name nothing is close to lists the calendars", () => {
    const d = only(`${HEAD}session regular "LSE"\n${RULE}`, "E0307");
    expect(d.hint).toBe(`use one of ${CALENDARS.map((c) => c.id).join(", ")}`);
  });

  test("a session the calendar does not have", () => {
    const src = `${HEAD}session extended "XEUR"\n${RULE}`;
    const d = only(src, "E0307");
    expect(d.message).toBe("XEUR has no extended session");
    expect(spanText(src, d)).toBe("extended");
  });

  test("`always` and fixed hours take no calendar", () => {
    expect(only(`${HEAD}session always "XEUR"\n${RULE}`, "E0307").message).toBe("`session always` takes no calendar");
    expect(only(`${HEAD}session 09:00-17:30 "XEUR"\n${RULE}`, "E0307").message).toBe(
      "`session HH:MM-HH:MM` takes no calendar",
    );
  });

  test("a plan with an unknown calendar keeps the default zone and compiles no calendar", () => {
    const r = run(`${HEAD}session regular "NOPE"\n${RULE}`);
    expect(r.semantic.settings.timezone).toBe("America/New_York");
    expect(r.semantic.settings.calendar).toBeUndefined();
  });
});

describe("E0308 malformed session hours", () => {
  test.each([
    ["17:30-09:00", "the open must come before the close on the same day"],
    ["09:00-09:00", "the open must come before the close on the same day"],
    ["09:00-25:00", "times are HH:MM from 00:00 to 24:00"],
    ["09:75-17:00", "times are HH:MM from 00:00 to 24:00"],
  ])("session %s", (hours, label) => {
    const src = `${HEAD}session ${hours}\n${RULE}`;
    const d = only(src, "E0308");
    expect(d.message).toBe(`malformed session hours \`${hours}\``);
    expect(d.label).toBe(label);
    expect(spanText(src, d)).toBe(hours);
  });

  test("hours that are not a range are a syntax error, not a session", () => {
    expect(codes(`${HEAD}session 09:00\n${RULE}`)[0]).toMatch(/^E01/);
  });
});

describe("explain entries", () => {
  test.each(["E0307", "E0308"])("%s has an explanation whose wrong example fails and right example passes", (code) => {
    const entry = CODES.find((c) => c.code === code);
    expect(entry?.explanation.length).toBeGreaterThan(40);
    expect(codes(entry!.wrong)).toContain(code);
    expect(codes(entry!.right)).toEqual([]);
  });
});
