import { describe, expect, test } from "vitest";
import { timeframeProblem } from "../src/checker/timeframes.js";
import { minutesOfDay } from "../src/checker/windows.js";
import { codes, HEAD, only, run, spanText } from "./checker-helpers.js";

describe("timeframes (E0301)", () => {
  test.each(["5s", "10s", "30s", "1m", "5m", "90m", "1440m", "1h", "4h", "24h", "1d"])("%s is buildable", (tf) => {
    expect(codes(`${HEAD}on ${tf} close above 150 enter long\n`)).toEqual([]);
  });

  test.each([
    ["7s", "5s"],
    ["1s", "5s"],
    ["12s", "10s"],
    ["13s", "15s"],
    ["0m", "1m"],
    ["1441m", "1d"],
    ["25h", "1d"],
    ["2d", "1d"],
    ["05m", "5m"],
  ])("%s is not (did you mean %s)", (tf, instead) => {
    const src = `${HEAD}on ${tf} close above 150 enter long\n`;
    const d = only(src, "E0301");
    expect(d.message).toBe(`the feed cannot build \`${tf}\` bars`);
    expect(spanText(src, d)).toBe(tf);
    expect(d.fix?.text).toBe(instead);
  });

  test("timeframes after `of` and on trailing stops are checked too", () => {
    expect(codes(`${HEAD}on 5m close > sma(close, 20) of 2d enter long\non 3s trailing stop 2%\n`)).toEqual([
      "E0301",
      "E0301",
    ]);
    expect(codes(`${HEAD}let daily = close of 7s\non 5m close > daily enter long\n`)).toEqual(["E0301"]);
  });

  test("timeframeProblem directly", () => {
    expect(timeframeProblem({ raw: "15s", amount: 15, unit: "s" })).toBeUndefined();
    expect(timeframeProblem({ raw: "0s", amount: 0, unit: "s" })?.reason).toBe("a timeframe needs a positive length");
  });
});

describe("times of day (E0302) and empty windows (E0304)", () => {
  test.each(["25:00", "10:60", "24:01", "99:99"])("%s is not a time", (t) => {
    const src = `${HEAD}on 5m close above 150 between 10:00 and ${t} enter long\n`;
    const d = only(src, "E0302");
    expect(spanText(src, d)).toBe(t);
    expect(codes(src)).toEqual(["E0302"]);
  });

  test("both ends reported", () => {
    expect(codes(`${HEAD}on 5m close above 150 between 10:61 and 25:00 enter long\n`)).toEqual(["E0302", "E0302"]);
  });

  test("minutesOfDay", () => {
    expect(minutesOfDay({ hour: 24, minute: 0 })).toBe(1440);
    expect(minutesOfDay({ hour: 9, minute: 30 })).toBe(570);
    expect(minutesOfDay({ hour: 24, minute: 30 })).toBeUndefined();
    expect(minutesOfDay({ hour: -1, minute: 0 })).toBeUndefined();
  });

  test("start after end, with a swap fix", () => {
    const src = `${HEAD}on 5m close above 150 between 15:30 and 10:00 enter long\n`;
    const d = only(src, "E0304");
    expect(spanText(src, d)).toBe("15:30 and 10:00");
    expect(d.fix?.text).toBe("10:00 and 15:30");
    expect(codes(src)).toEqual(["E0304"]);
  });

  test("start equal to end", () => {
    expect(codes(`${HEAD}on 5m close above 150 between 10:00 and 10:00 enter long\n`)).toEqual(["E0304"]);
  });
});

describe("windows and sessions (E0303, W0602)", () => {
  const rule = (w: string) => `on 5m close above 150 between ${w} enter long\n`;

  test.each(["09:30 and 16:00", "10:00 and 15:30", "09:35 and 09:40", "15:55 and 16:00"])(
    "%s is inside regular",
    (w) => {
      expect(codes(`${HEAD}${rule(w)}`)).toEqual([]);
    },
  );

  test.each(["07:00 and 09:00", "07:00 and 09:30", "16:05 and 18:00", "00:00 and 04:00"])(
    "%s is outside regular",
    (w) => {
      const src = `${HEAD}${rule(w)}`;
      const d = only(src, "E0303");
      expect(d.message).toContain("lies outside the regular session");
      expect(codes(src)).toEqual(["E0303"]);
    },
  );

  test("outside regular but inside extended suggests session extended", () => {
    expect(only(`${HEAD}${rule("07:00 and 09:00")}`, "E0303").hint).toContain("session extended");
    expect(only(`${HEAD}${rule("21:00 and 22:00")}`, "E0303").hint).toBe("move the window inside 09:30-16:00");
  });

  test.each([
    ["08:00 and 10:00", "09:30 and 10:00"],
    ["15:00 and 17:00", "15:00 and 16:00"],
    ["00:00 and 24:00", "09:30 and 16:00"],
  ])("%s is partly outside regular", (w, inside) => {
    const src = `${HEAD}${rule(w)}`;
    const d = only(src, "W0602");
    expect(d.severity).toBe("warning");
    expect(d.fix?.text).toBe(inside);
    expect(codes(src)).toEqual(["W0602"]);
  });

  test("a window touching only the close gets no fix (it would be empty)", () => {
    const d = only(`${HEAD}${rule("16:00 and 17:00")}`, "W0602");
    expect(d.fix).toBeUndefined();
    expect(d.hint).toBe("the rule only fires on the bar closing at 16:00");
  });

  test("extended session hours", () => {
    expect(codes(`${HEAD}session extended\n${rule("07:00 and 09:00")}`)).toEqual([]);
    expect(codes(`${HEAD}session extended\n${rule("03:00 and 05:00")}`)).toEqual(["W0602"]);
    expect(codes(`${HEAD}session extended\n${rule("20:30 and 21:00")}`)).toEqual(["E0303"]);
  });

  test("session always has no hours", () => {
    expect(codes(`${HEAD}session always\n${rule("00:00 and 03:00")}`)).toEqual([]);
  });

  test("other time zones skip the session check", () => {
    expect(codes(`${HEAD}timezone "Europe/Berlin"\n${rule("15:30 and 17:00")}`)).toEqual([]);
    expect(codes(`${HEAD}timezone "Europe/Berlin"\n${rule("17:00 and 15:30")}`)).toEqual(["E0304"]);
  });

  test("an unknown zone falls back to New York hours", () => {
    expect(run(`${HEAD}timezone "Nowhere/City"\n${rule("07:00 and 09:00")}`).diagnostics.map((d) => d.code)).toEqual([
      "E0305",
      "E0303",
    ]);
  });
});
