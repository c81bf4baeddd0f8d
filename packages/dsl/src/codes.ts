import type { Severity } from "./diagnostics.js";
import { MAX_LINE_CHARS, MAX_SOURCE_CHARS, MAX_TOKEN_CHARS } from "./lexer.js";

/**
 * `65536` as `65,536`. Not `toLocaleString`: this table is built on import,
 * and the first locale-aware formatting loads the runtime's locale data
 * (some 20 ms, on every start of the CLI).
 */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * The table of every diagnostic code. `tradeplan explain CODE` prints an
 * entry, `docs/diagnostics.md` is generated from it, and the tests run each
 * entry's `wrong` example (it must produce exactly this code) and `right`
 * example (it must check clean). Codes are stable: never renumber, only add.
 *
 * Ranges: E00xx lexical and limits, E01xx syntax, E02xx names and kinds,
 * E03xx timeframes, times, sessions, zones, E04xx rule logic, E05xx plan
 * header, symbols and risk; W-codes are warnings.
 */
export interface CodeInfo {
  readonly code: string;
  readonly severity: Severity;
  /** One line, lower case, no final period. */
  readonly title: string;
  /** The long form: why it is a problem and how to fix it. */
  readonly explanation: string;
  /** A complete plan that produces this code (and no other error). */
  readonly wrong: string;
  /** The corrected plan, which checks clean (no errors, no warnings). */
  readonly right: string;
}

const HEAD = 'plan "example"\nsymbol AAPL\n';

export const CODES: readonly CodeInfo[] = [
  {
    code: "E0001",
    severity: "error",
    title: "unexpected character",
    explanation:
      "The lexer met a character that starts no token of the language. Plans use ASCII letters, digits, the operators `+ - * / > >= < <= == != ( ) [ ] , = % $ :`, double-quoted strings and `#` comments.",
    wrong: `${HEAD}on 5m close above 150 ; enter long\n`,
    right: `${HEAD}on 5m close above 150 enter long\n`,
  },
  {
    code: "E0002",
    severity: "error",
    title: "unterminated string",
    explanation: 'A string opened with `"` must be closed with `"` on the same line.',
    wrong: 'plan "example\nsymbol AAPL\non 5m close above 150 enter long\n',
    right: `${HEAD}on 5m close above 150 enter long\n`,
  },
  {
    code: "E0003",
    severity: "error",
    title: "statement too deeply nested or too long",
    explanation:
      "A statement may nest parentheses, brackets and prefix operators at most 64 levels deep and hold at most 4,096 tokens. Past that the statement is skipped, so that a pathological input can never exhaust the compiler. Split the condition into `let` names.",
    wrong: `${HEAD}on 5m ${"(".repeat(70)}close${")".repeat(70)} above 150 enter long\n`,
    right: `${HEAD}on 5m (close) above 150 enter long\n`,
  },
  {
    code: "E0004",
    severity: "error",
    title: "too many problems",
    explanation:
      "After 200 diagnostics in one file the rest are counted, not listed. Fix the ones shown and check again.",
    // 201 warnings: past the first 200 only E0004 is reported, so it is the one error code here.
    wrong: `${HEAD}${Array.from({ length: 201 }, (_, i) => `let unused_${i} = ${i}\n`).join("")}on 5m close above 150 enter long\n`,
    right: `${HEAD}on 5m close above 150 enter long\n`,
  },
  {
    code: "E0005",
    severity: "error",
    title: "invalid number literal",
    explanation:
      "Numbers are digits with an optional fraction, `_` between digits as a separator, and an optional magnitude suffix `K`, `M` or `B` (x1e3, x1e6, x1e9). Money is `$` followed by a number with `,` thousands separators in groups of three.",
    wrong: `${HEAD}on 5m close above 150 with volume > 1__000 enter long\n`,
    right: `${HEAD}on 5m close above 150 with volume > 1_000 enter long\n`,
  },
  {
    code: "E0006",
    severity: "error",
    title: "formatter changed the meaning",
    explanation:
      "Reported only by `tradeplan fmt`, never by checking: before writing anything, the formatter parses its own output and compares it with the input, and refuses when the two plans differ or when formatting the output again would change it. The file is left as it was. This is a bug in tradeplan: please report it with the file that triggered it. The examples show input the formatter rewrites and the canonical text it produces.",
    wrong: 'plan   "example"\nsymbol AAPL\non 5m  close above  150   enter long   #buy the breakout\n',
    right: `${HEAD}\non 5m close above 150 enter long  # buy the breakout\n`,
  },
  {
    code: "E0007",
    severity: "error",
    title: "line too long",
    explanation: `A line may hold at most ${thousands(MAX_LINE_CHARS)} characters. A longer one is skipped whole without being read, so that a pathological input (a string or number of millions of characters) can never exhaust the compiler. The lines after it are checked as usual. Break the line up: statements are short, long conditions belong in \`let\` names, long comments on several lines.`,
    wrong: `${HEAD}on 5m close above 150 enter long\n# ${"x".repeat(MAX_LINE_CHARS)}\n`,
    right: `${HEAD}on 5m close above 150 enter long\n# a comment of a sensible length\n`,
  },
  {
    code: "E0008",
    severity: "error",
    title: "string, number or name too long",
    explanation: `A string, number or name may be at most ${thousands(MAX_TOKEN_CHARS)} characters long. The statement holding a longer one is skipped. No plan needs one that long: it is a pasted blob or a generated file gone wrong.`,
    wrong: `${HEAD}on 5m close above ${"1".repeat(MAX_TOKEN_CHARS + 1)} enter long\n`,
    right: `${HEAD}on 5m close above 150 enter long\n`,
  },
  {
    code: "E0009",
    severity: "error",
    title: "file too large",
    explanation: `A plan file may hold at most ${thousands(MAX_SOURCE_CHARS)} characters (16 MiB), over thirty times a plan of 10,000 rules. A larger file is not parsed at all, so nothing else in it is reported. Split it into several plans.`,
    // Built when read: eight megabytes are not worth holding for every user of this table.
    get wrong(): string {
      return `${HEAD}on 5m close above 150 enter long\n${"#\n".repeat(MAX_SOURCE_CHARS / 2)}`;
    },
    right: `${HEAD}on 5m close above 150 enter long\n`,
  },
  {
    code: "E0101",
    severity: "error",
    title: "syntax error",
    explanation:
      "The parser expected something else at this point. The message says what it expected; the rest of the file is still checked.",
    wrong: `${HEAD}on 5m close above enter long\n`,
    right: `${HEAD}on 5m close above 150 enter long\n`,
  },
  {
    code: "E0102",
    severity: "error",
    title: "rule has no action",
    explanation:
      "Every rule ends with an action: `enter long`, `enter short`, `exit`, `exit long` or `exit short` (or is a `trailing stop` rule).",
    wrong: `${HEAD}on 5m close above 150\n`,
    right: `${HEAD}on 5m close above 150 enter long\n`,
  },
  {
    code: "E0103",
    severity: "error",
    title: "keyword in the wrong case",
    explanation:
      "Keywords are lower case and case-sensitive (`enter`, not `Enter`), so that identifiers such as symbols can be upper case without clashing.",
    wrong: `${HEAD}on 5m close above 150 Enter long\n`,
    right: `${HEAD}on 5m close above 150 enter long\n`,
  },
  {
    code: "E0104",
    severity: "error",
    title: "`plan` statement missing or misplaced",
    explanation:
      'A plan file starts with `plan "NAME"` (comments and blank lines may come before it). Only a bare rule list without any header statement may omit it; such a file needs its symbol from the command line (`--symbol`).',
    wrong: `symbol AAPL\nplan "example"\non 5m close above 150 enter long\n`,
    right: `${HEAD}on 5m close above 150 enter long\n`,
  },
  {
    code: "E0105",
    severity: "error",
    title: "statement declared twice",
    explanation: "`plan`, `timezone` and `session` may each appear once.",
    wrong: `${HEAD}session regular\nsession extended\non 5m close above 150 enter long\n`,
    right: `${HEAD}session extended\non 5m close above 150 enter long\n`,
  },
  {
    code: "E0201",
    severity: "error",
    title: "unknown name",
    explanation:
      "The name is not a bar field (`open high low close volume`), a `let` defined in this plan, or an indicator. Check the spelling; the hint names the closest known name.",
    wrong: `${HEAD}on 5m close above breakout enter long\n`,
    right: `${HEAD}let breakout = 150.25\non 5m close above breakout enter long\n`,
  },
  {
    code: "E0202",
    severity: "error",
    title: "mismatched kinds",
    explanation:
      "Both sides of a comparison or of `+`/`-` must have the same kind: a price with a price, a volume with a volume. Plain number literals adapt to the other side (`volume > 1M`, `close > 150`).",
    wrong: `${HEAD}on 5m close > volume enter long\n`,
    right: `${HEAD}on 5m close > sma(close, 20) enter long\n`,
  },
  {
    code: "E0203",
    severity: "error",
    title: "percent where a percent is not meant",
    explanation:
      "A percent literal such as `2%` is a ratio. It may be compared with a percent (`change(close, 5) > 2%`), multiply a value, or stand in `trailing stop`, `stop`, `target` and `size ... of equity`. It is not a price: `close above 2%` means nothing.",
    wrong: `${HEAD}on 5m close above 2% enter long\n`,
    right: `${HEAD}on 5m change(close, 5) > 2% enter long\n`,
  },
  {
    code: "E0204",
    severity: "error",
    title: "condition is not a boolean",
    explanation:
      "A rule's condition, its `with` filter and the operands of `and`, `or` and `not` must be conditions (a comparison, a cross, `true`/`false` or a `let` that names a condition), not values.",
    wrong: `${HEAD}on 5m close enter long\n`,
    right: `${HEAD}on 5m close > open enter long\n`,
  },
  {
    code: "E0205",
    severity: "error",
    title: "wrong number of indicator arguments",
    explanation:
      "Each indicator takes a fixed list of arguments; `explain` of the indicator table is in docs/language.md.",
    wrong: `${HEAD}on 5m close above sma(close) enter long\n`,
    right: `${HEAD}on 5m close above sma(close, 20) enter long\n`,
  },
  {
    code: "E0206",
    severity: "error",
    title: "indicator argument of the wrong kind",
    explanation:
      "An indicator's series argument must be a series of the kind it works on: `rsi` reads prices; `sma`, `ema` and `change` read prices, volumes or numbers; `highest` and `lowest` also percents. A condition is never a series. (A bad period is E0207.)",
    wrong: `${HEAD}on 5m rsi(volume > 1M, 14) > 70 enter short\n`,
    right: `${HEAD}on 5m rsi(close, 14) > 70 enter short\n`,
  },
  {
    code: "E0207",
    severity: "error",
    title: "indicator period must be a positive whole number literal",
    explanation:
      "Periods fix how many bars an indicator keeps, which the compiler must know to size the bar cache: write a literal such as `20`.",
    wrong: `${HEAD}on 5m close above sma(close, 2.5) enter long\n`,
    right: `${HEAD}on 5m close above sma(close, 20) enter long\n`,
  },
  {
    code: "E0208",
    severity: "error",
    title: "unknown indicator",
    explanation:
      "The called name is not an indicator. The built-in indicators are `sma ema rsi atr highest lowest vwap change`.",
    wrong: `${HEAD}on 5m close above smaa(close, 20) enter long\n`,
    right: `${HEAD}on 5m close above sma(close, 20) enter long\n`,
  },
  {
    code: "E0209",
    severity: "error",
    title: "invalid bar index",
    explanation:
      "`x[N]` reads the value N bars ago; N is a whole number >= 0. A negative index would read the future, which no plan may do.",
    wrong: `${HEAD}on 5m close[-1] > close enter long\n`,
    right: `${HEAD}on 5m close > close[1] enter long\n`,
  },
  {
    code: "E0210",
    severity: "error",
    title: "`let` definitions form a cycle",
    explanation: "A `let` may not depend on itself, directly or through other `let`s.",
    wrong: `${HEAD}let a = b + 1\nlet b = a + 1\non 5m close above a enter long\n`,
    right: `${HEAD}let a = 150\nlet b = a + 1\non 5m close above b enter long\n`,
  },
  {
    code: "E0211",
    severity: "error",
    title: "name defined twice",
    explanation:
      "Each `let` or `param` name is defined once per plan (a param and a let may not share a name), and may not shadow a bar field, indicator or keyword.",
    wrong: `${HEAD}let level = 150\nlet level = 151\non 5m close above level enter long\n`,
    right: `${HEAD}let level = 151\non 5m close above level enter long\n`,
  },
  {
    code: "E0212",
    severity: "error",
    title: "invalid arithmetic on kinds",
    explanation:
      "Multiplying two prices, dividing a number by a price, or doing arithmetic on conditions has no meaning. A value may be multiplied or divided by a number or a percent; a price divided by a price is a number.",
    wrong: `${HEAD}on 5m close > close * close enter long\n`,
    right: `${HEAD}on 5m close > close[1] * 1.01 enter long\n`,
  },
  {
    code: "E0213",
    severity: "error",
    title: "param default outside its range",
    explanation:
      "A `param` declares a default and the range a run may set it to: `param threshold = 3700 in 3600..3800 step 10`. The default must lie in the range (both ends included) and, with a `step`, be the lower bound plus a whole number of steps, so that the plan as written is one of its own variants.",
    wrong: `${HEAD}param threshold = 3900 in 3600..3800 step 10\non 5m close above threshold enter long\n`,
    right: `${HEAD}param threshold = 3700 in 3600..3800 step 10\non 5m close above threshold enter long\n`,
  },
  {
    code: "E0214",
    severity: "error",
    title: "param range is empty",
    explanation:
      "A param's range `MIN..MAX` is written lower bound first; `3800..3600` holds no value. Swap the bounds. (`3700..3700` is a range of one value.)",
    wrong: `${HEAD}param threshold = 3700 in 3800..3600\non 5m close above threshold enter long\n`,
    right: `${HEAD}param threshold = 3700 in 3600..3800\non 5m close above threshold enter long\n`,
  },
  {
    code: "E0215",
    severity: "error",
    title: "param step does not divide its range",
    explanation:
      "With `step S`, a param takes the values `MIN, MIN + S, ...` up to `MAX`, and `MAX - MIN` must be a whole number of steps so that both ends are values a sweep visits. The step must be positive. Leave `step` out to allow any value in the range.",
    wrong: `${HEAD}param threshold = 3700 in 3600..3800 step 30\non 5m close above threshold enter long\n`,
    right: `${HEAD}param threshold = 3700 in 3600..3800 step 20\non 5m close above threshold enter long\n`,
  },
  {
    code: "E0216",
    severity: "error",
    title: "param cannot be an indicator period",
    explanation:
      "A param may stand for an indicator's period (`sma(close, length)`) only when every value it can take is a whole number of bars from 1 up: a number default, bounds and step that are all whole, and a lower bound of at least 1. The stream keeps enough history for the range's maximum, so every variant warms up alike.",
    wrong: `${HEAD}param length = 20 in 0..50 step 5\non 5m close above sma(close, length) enter long\n`,
    right: `${HEAD}param length = 20 in 10..50 step 5\non 5m close above sma(close, length) enter long\n`,
  },
  {
    code: "E0217",
    severity: "error",
    title: "param bounds of another kind than its default",
    explanation:
      "A param's default, bounds and step are written in one literal kind: all plain numbers (`20 in 10..50 step 5`), all percents (`2% in 1%..5% step 0.5%`) or all money amounts (`$150 in $100..$200`).",
    wrong: `${HEAD}param move = 2% in 1..5\non 5m change(close, 5) > move enter long\n`,
    right: `${HEAD}param move = 2% in 1%..5%\non 5m change(close, 5) > move enter long\n`,
  },
  {
    code: "E0301",
    severity: "error",
    title: "timeframe the feed cannot build",
    explanation:
      "Bars are built from a 5-second base feed, so a timeframe is a whole number of 5-second steps: `Ns` with N a multiple of 5, `Nm` with 1 <= N <= 1440, `Nh` with 1 <= N <= 24, and `1d`.",
    wrong: `${HEAD}on 7s close above 150 enter long\n`,
    right: `${HEAD}on 10s close above 150 enter long\n`,
  },
  {
    code: "E0302",
    severity: "error",
    title: "invalid time of day",
    explanation: "Times of day are `HH:MM` on a 24-hour clock, from 00:00 to 23:59 (24:00 means the end of the day).",
    wrong: `${HEAD}on 5m close above 150 between 10:00 and 25:00 enter long\n`,
    right: `${HEAD}on 5m close above 150 between 10:00 and 15:30 enter long\n`,
  },
  {
    code: "E0303",
    severity: "error",
    title: "`between` window outside the session",
    explanation:
      "With `session regular` rules fire only on bars that close inside exchange hours (09:30-16:00 America/New_York; 04:00-20:00 for `extended`). A window that lies wholly outside the session can never match. The check applies to plans in America/New_York; for other time zones it is skipped, because converting a time of day between zones needs a date.",
    wrong: `${HEAD}on 5m close above 150 between 07:00 and 09:00 enter long\n`,
    right: `${HEAD}on 5m close above 150 between 10:00 and 15:30 enter long\n`,
  },
  {
    code: "E0304",
    severity: "error",
    title: "empty `between` window",
    explanation: "The window's start must come before its end.",
    wrong: `${HEAD}on 5m close above 150 between 15:30 and 10:00 enter long\n`,
    right: `${HEAD}on 5m close above 150 between 10:00 and 15:30 enter long\n`,
  },
  {
    code: "E0305",
    severity: "error",
    title: "unknown time zone",
    explanation: "`timezone` takes an IANA zone name such as `America/New_York` or `Europe/Berlin`.",
    wrong: `plan "example"\nsymbol AAPL\ntimezone "America/NewYork"\non 5m close above 150 enter long\n`,
    right: `plan "example"\nsymbol AAPL\ntimezone "America/New_York"\non 5m close above 150 enter long\n`,
  },
  {
    code: "E0306",
    severity: "error",
    title: "lookback larger than the bar cache",
    explanation:
      "Each stream keeps at most 1,000 bars. A rule that needs more history (e.g. `sma(close, 2000)`) could never warm up. Use a longer timeframe (`sma(close, 20) of 1d`) or a shorter period.",
    wrong: `${HEAD}on 5m close above sma(close, 2000) enter long\n`,
    right: `${HEAD}on 5m close above sma(close, 20) of 1d enter long\n`,
  },
  {
    code: "E0307",
    severity: "error",
    title: "unknown exchange calendar",
    explanation:
      "A `session` names an exchange calendar by its market identifier: `XNYS` (NYSE; the default), `XNAS` (Nasdaq, NYSE's holidays), `XEUR` (Eurex index futures, Europe/Berlin) or `CMES` (CME Globex equity futures, America/Chicago); `NYSE`, `NASDAQ`, `EUREX`, `CME`, `XCME` and `GLOBEX` are accepted too. Each calendar has its hours, holidays and early closes by year (docs/calendars.md). Only NYSE and Nasdaq have an `extended` session, and `session always` or fixed hours take no calendar.",
    wrong: 'plan "example"\nsymbol FESX\nsession regular "EUREKA"\non 15m close above 3700 enter long\n',
    right: 'plan "example"\nsymbol FESX\nsession regular "XEUR"\non 15m close above 3700 enter long\n',
  },
  {
    code: "E0308",
    severity: "error",
    title: "malformed session hours",
    explanation:
      "`session OPEN-CLOSE` trades fixed hours on weekdays in the plan's time zone, without holidays: both are `HH:MM` times from 00:00 to 24:00 and the open comes before the close on the same day. For an exchange's own hours and holidays, name its calendar (`session regular \"XEUR\"`).",
    wrong:
      'plan "example"\nsymbol FESX\ntimezone "Europe/Berlin"\nsession 17:30-09:00\non 15m close above 3700 enter long\n',
    right:
      'plan "example"\nsymbol FESX\ntimezone "Europe/Berlin"\nsession 09:00-17:30\non 15m close above 3700 enter long\n',
  },
  {
    code: "E0401",
    severity: "error",
    title: "rule can never fire",
    explanation:
      "The condition contradicts itself (e.g. `close above 100 and close below 90`), so the rule is dead code and almost certainly a typo.",
    wrong: `${HEAD}on 5m close above 100 and close below 90 enter long\n`,
    right: `${HEAD}on 5m close above 90 and close below 100 enter long\n`,
  },
  {
    code: "E0402",
    severity: "error",
    title: "`enter long` and `enter short` on the same condition",
    explanation:
      "Two rules on the same timeframe with the same condition enter in opposite directions: on every bar where one fires the other fires too.",
    wrong: `${HEAD}on 5m close above 150 enter long\non 5m close above 150 enter short\n`,
    right: `${HEAD}on 5m close above 150 enter long\non 5m close below 140 enter short\n`,
  },
  {
    code: "E0403",
    severity: "error",
    title: "trailing stop with no entry rule",
    explanation: "A trailing stop exits a position; without any `enter` rule the plan never has one.",
    wrong: `${HEAD}on 1m trailing stop 2%\n`,
    right: `${HEAD}on 5m close above 150 enter long\non 1m trailing stop 2%\n`,
  },
  {
    code: "E0404",
    severity: "error",
    title: "invalid rule modifier",
    explanation:
      "`size` and `stop`/`target` belong to `enter` rules; sizes are positive whole shares, a positive amount or a percent of equity in (0, 100]; `stop` and `target` take a positive price or a percent literal from the entry price (a stop below 100%); `confidence` is `low`, `medium`, `high` or a number from 0 to 1; each modifier appears once per rule.",
    wrong: `${HEAD}on 5m close above 150 enter long confidence 1.5\n`,
    right: `${HEAD}on 5m close above 150 enter long confidence 0.8\n`,
  },
  {
    code: "E0405",
    severity: "error",
    title: "invalid trailing stop",
    explanation:
      "The trail is a percent in (0, 100), or a percent `param` whose whole range lies there (`param trail = 2% in 1%..5%`, `trailing stop trail`); `activate at` takes a positive price.",
    wrong: `${HEAD}on 5m close above 150 enter long\non 1m trailing stop 0%\n`,
    right: `${HEAD}on 5m close above 150 enter long\non 1m trailing stop 2%\n`,
  },
  {
    code: "E0501",
    severity: "error",
    title: "no symbol",
    explanation:
      "The plan trades no instrument. Add `symbol S` (or `symbols S1, S2`), or give one on the command line with `--symbol`.",
    wrong: 'plan "example"\non 5m close above 150 enter long\n',
    right: `${HEAD}on 5m close above 150 enter long\n`,
  },
  {
    code: "E0502",
    severity: "error",
    title: "symbol listed twice",
    explanation: "Each instrument is listed once.",
    wrong: 'plan "example"\nsymbols AAPL, AAPL\non 5m close above 150 enter long\n',
    right: 'plan "example"\nsymbols AAPL, MSFT\non 5m close above 150 enter long\n',
  },
  {
    code: "E0503",
    severity: "error",
    title: "unknown or invalid risk setting",
    explanation:
      "Risk settings are `risk max position N shares`, `risk max order value $N`, `risk max daily loss $N` (or `N%` of equity) and `risk max orders per minute N`, each once.",
    wrong: `${HEAD}risk max posiiton 500 shares\non 5m close above 150 enter long\n`,
    right: `${HEAD}risk max position 500 shares\non 5m close above 150 enter long\n`,
  },
  {
    code: "W0601",
    severity: "warning",
    title: "unused `let`",
    explanation:
      "The name (a `let` or a `param`) is defined but no rule or other `let` uses it. Remove it or use it; a name starting with `_` (`let _spare = 150`) is deliberately unused and not reported.",
    wrong: `${HEAD}let unused = 150\non 5m close above 150 enter long\n`,
    right: `${HEAD}on 5m close above 150 enter long\n`,
  },
  {
    code: "W0602",
    severity: "warning",
    title: "`between` window partly outside the session",
    explanation:
      "Part of the window lies outside the session's hours; the rule only fires in the part inside. Narrow the window or change `session`.",
    wrong: `${HEAD}on 5m close above 150 between 08:00 and 10:00 enter long\n`,
    right: `${HEAD}on 5m close above 150 between 09:30 and 10:00 enter long\n`,
  },
];

const BY_CODE = new Map(CODES.map((c) => [c.code, c]));

/** Look up a code (case-insensitive, `e201` and `E0201` both work). */
export function lookupCode(code: string): CodeInfo | undefined {
  const m = /^([EW])0*(\d{1,4})$/i.exec(code.trim());
  if (!m?.[1] || !m[2]) return undefined;
  return BY_CODE.get(`${m[1].toUpperCase()}${m[2].padStart(4, "0")}`);
}
