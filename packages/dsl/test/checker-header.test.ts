import { describe, expect, test } from "vitest";
import { codes, HEAD, only, run, spanText } from "./checker-helpers.js";

const RULE = "on 5m close above 150 enter long\n";

describe("plan statement (E0104, E0105)", () => {
  test("a bare rule list needs no plan and takes its name from the file", () => {
    const r = run(RULE, { symbol: "AAPL", fileName: "plans/aapl.breakout.plan" });
    expect(r.diagnostics).toEqual([]);
    expect(r.semantic.settings.name).toBe("aapl");
    expect(r.semantic.settings.symbols).toEqual(["AAPL"]);
  });

  test("a bare rule list with lets needs no plan either", () => {
    expect(codes(`let level = 150\non 5m close above level enter long\n`, { symbol: "MSFT" })).toEqual([]);
  });

  test("name falls back to untitled, and Windows paths are stripped", () => {
    expect(run(RULE, { symbol: "AAPL" }).semantic.settings.name).toBe("untitled");
    expect(run(RULE, { symbol: "AAPL", fileName: "C:\\plans\\gap.plan" }).semantic.settings.name).toBe("gap");
  });

  test("header statements without a plan", () => {
    const src = `symbol AAPL\n${RULE}`;
    const d = only(src, "E0104");
    expect(d.message).toBe("missing `plan` statement");
    expect(spanText(src, d)).toBe("symbol AAPL");
    expect(d.fix?.text).toBe('plan "my plan"\n');
    expect(d.fix?.span.start.offset).toBe(0);
  });

  test("the fix names the plan after the file", () => {
    const d = only(`session regular\nsymbol AAPL\n${RULE}`, "E0104", { fileName: "gap.plan" });
    expect(d.fix?.text).toBe('plan "gap"\n');
  });

  test("plan after other statements", () => {
    const src = `# comment first is fine\nlet x = 1\nplan "p"\nsymbol AAPL\non 5m close above x enter long\n`;
    const d = only(src, "E0104");
    expect(spanText(src, d)).toBe('plan "p"');
    expect(d.related?.[0] && spanText(src, d.related[0])).toBe("let x = 1");
  });

  test("comments before plan are fine", () => {
    expect(codes(`# a plan\n\n${HEAD}${RULE}`)).toEqual([]);
  });

  test("plan, timezone and session at most once", () => {
    const src = `${HEAD}plan "again"\ntimezone "UTC"\ntimezone "UTC"\nsession regular\nsession always\n${RULE}`;
    const ds = run(src).diagnostics.filter((d) => d.code === "E0105");
    expect(ds.map((d) => d.message)).toEqual([
      "`plan` declared twice",
      "`timezone` declared twice",
      "`session` declared twice",
    ]);
    expect(ds.every((d) => d.related?.length === 1)).toBe(true);
  });

  test("settings: name, session and defaults", () => {
    const s = run(`${HEAD}${RULE}`).semantic.settings;
    expect(s).toMatchObject({
      name: "t",
      symbols: ["AAPL"],
      timezone: "America/New_York",
      session: "regular",
      risk: {},
    });
    expect(run(`${HEAD}session extended\n${RULE}`).semantic.settings.session).toBe("extended");
  });
});

describe("timezone (E0305)", () => {
  test.each(["Europe/Berlin", "UTC", "Asia/Tokyo", "America/Chicago"])("%s is valid", (zone) => {
    const r = run(`${HEAD}timezone "${zone}"\n${RULE}`);
    expect(r.diagnostics).toEqual([]);
    expect(r.semantic.settings.timezone).toBe(zone);
  });

  test("misspelled zone gets a did-you-mean fix", () => {
    const src = `${HEAD}timezone "Europe/Berln"\n${RULE}`;
    const d = only(src, "E0305");
    expect(d.message).toBe("unknown time zone `Europe/Berln`");
    expect(spanText(src, d)).toBe('"Europe/Berln"');
    expect(d.hint).toBe("did you mean `Europe/Berlin`?");
    expect(d.fix?.text).toBe('"Europe/Berlin"');
  });

  test.each(["", "Mars/Olympus_Mons", "EST5EDT/nonsense", "not a zone at all, really"])("`%s` is unknown", (zone) => {
    const r = run(`${HEAD}timezone "${zone}"\n${RULE}`);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["E0305"]);
    expect(r.semantic.settings.timezone).toBe("America/New_York");
  });
});

describe("symbols (E0501, E0502)", () => {
  test("no symbol anywhere", () => {
    const src = `plan "p"\n${RULE}`;
    const d = only(src, "E0501");
    expect(spanText(src, d)).toBe('plan "p"');
  });

  test("a bare rule list without --symbol", () => {
    expect(codes(RULE)).toEqual(["E0501"]);
  });

  test("the command line symbol satisfies it", () => {
    expect(codes(`plan "p"\n${RULE}`, { symbol: "AAPL" })).toEqual([]);
  });

  test("declared symbols win over the command line", () => {
    expect(run(`${HEAD}${RULE}`, { symbol: "MSFT" }).semantic.settings.symbols).toEqual(["AAPL"]);
  });

  test("an empty file reports nothing", () => {
    expect(codes("")).toEqual([]);
    expect(codes("# only a comment\n")).toEqual([]);
  });

  test("duplicates, also across statements and case", () => {
    const src = `plan "p"\nsymbols AAPL, MSFT, "BRK.B"\nsymbol aapl\nsymbol "BRK.B"\n${RULE}`;
    const ds = run(src).diagnostics;
    expect(ds.map((d) => d.code)).toEqual(["E0502", "E0502"]);
    expect(ds.map((d) => spanText(src, d))).toEqual(["aapl", '"BRK.B"']);
    expect(run(src).semantic.settings.symbols).toEqual(["AAPL", "MSFT", "BRK.B"]);
  });
});

describe("risk (E0503)", () => {
  test("every setting, parsed into settings", () => {
    const src = `${HEAD}risk max position 500 shares\nrisk max order value $50,000\nrisk max daily loss $2,000\nrisk max orders per minute 10\n${RULE}`;
    const r = run(src);
    expect(r.diagnostics).toEqual([]);
    expect(r.semantic.settings.risk).toEqual({
      maxPositionShares: 500,
      maxOrderValue: 50000,
      maxDailyLoss: 2000,
      maxOrdersPerMinute: 10,
    });
  });

  test("daily loss as a percent", () => {
    const r = run(`${HEAD}risk max daily loss 2%\n${RULE}`);
    expect(r.diagnostics).toEqual([]);
    expect(r.semantic.settings.risk).toEqual({ maxDailyLossPercent: 2 });
  });

  test("misspelled setting with a fix", () => {
    const src = `${HEAD}risk max dayly loss $2,000\n${RULE}`;
    const d = only(src, "E0503");
    expect(spanText(src, d)).toBe("max dayly loss");
    expect(d.fix?.text).toBe("max daily loss");
  });

  test("unknown setting far from any", () => {
    const d = only(`${HEAD}risk leverage 2\n${RULE}`, "E0503");
    expect(d.fix).toBeUndefined();
    expect(d.hint).toContain("`max position`");
  });

  test.each([
    ["max position $500", "`max position` must be a positive whole number of shares"],
    ["max position 2.5 shares", "`max position` must be a positive whole number of shares"],
    ["max position 0 shares", "`max position` must be a positive whole number of shares"],
    ["max order value 500", "`max order value` must be a positive amount"],
    ["max daily loss 2000", "`max daily loss` must be a positive amount"],
    ["max daily loss 150%", "`max daily loss` must be a positive amount"],
    ["max orders per minute 1.5", "`max orders per minute` must be a positive whole number"],
    ["max orders per minute 10 shares", "`max orders per minute` must be a positive whole number"],
  ])("invalid value: risk %s", (setting, message) => {
    const d = only(`${HEAD}risk ${setting}\n${RULE}`, "E0503");
    expect(d.message.startsWith(message)).toBe(true);
  });

  test("each setting once", () => {
    const src = `${HEAD}risk max position 500 shares\nrisk max position 100 shares\n${RULE}`;
    const d = only(src, "E0503");
    expect(d.message).toBe("risk setting `max position` given twice");
    expect(run(src).semantic.settings.risk).toEqual({ maxPositionShares: 500 });
  });
});
