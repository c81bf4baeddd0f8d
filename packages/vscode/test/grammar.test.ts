import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { KEYWORDS, tokenize } from "@tradeplan/dsl";
import { describe, expect, it } from "vitest";
import { GRAMMAR_FILE, scopeAt, scopesAt, tokenizeText } from "./textmate.js";

const EXAMPLES = fileURLToPath(new URL("../../../examples/", import.meta.url));

function plans(dir: string): { name: string; text: string }[] {
  return readdirSync(EXAMPLES + dir)
    .filter((f) => f.endsWith(".plan"))
    .map((f) => ({ name: `${dir}/${f}`, text: readFileSync(`${EXAMPLES}${dir}/${f}`, "utf8") }));
}

/** Scopes the grammar tokenizes one line into, as `text=scope` pairs (whitespace dropped). */
async function scoped(line: string): Promise<string[]> {
  const [tokens = []] = await tokenizeText(line);
  return tokens
    .filter((t) => t.text.trim() !== "")
    .map((t) => `${t.text}=${(t.scopes[t.scopes.length - 1] ?? "").replace(/\.tradeplan$/, "")}`);
}

describe("TextMate grammar", () => {
  it("tokenizes the demo plan's entry rule as the compiler reads it", async () => {
    expect(
      await scoped(
        "on 5m close crosses above recent_high[1] with heavy between 10:00 and 15:30 enter long size 100 shares",
      ),
    ).toEqual([
      "on=keyword.control",
      "5=constant.other.timeframe",
      "m=keyword.other.unit.timeframe",
      "close=variable.language.bar-field",
      "crosses=keyword.operator.word",
      "above=keyword.operator.word",
      "recent_high=variable.other",
      "[=punctuation.section.brackets.begin",
      "1=constant.numeric",
      "]=punctuation.section.brackets.end",
      "with=keyword.control",
      "heavy=variable.other",
      "between=keyword.control",
      "10:00=constant.numeric.time",
      "and=keyword.operator.word",
      "15:30=constant.numeric.time",
      "enter=keyword.control",
      "long=constant.language",
      "size=keyword.other.modifier",
      "100=constant.numeric",
      "shares=keyword.other.modifier",
    ]);
  });

  it("tells timeframes from magnitudes: 1m is a minute, 1M a million", async () => {
    const [line = []] = await tokenizeText("on 1m volume > 1M");
    expect(scopesAt(line, 3)).toContain("constant.other.timeframe.tradeplan");
    expect(scopesAt(line, 16)).toEqual([
      "source.tradeplan",
      "constant.numeric.tradeplan",
      "keyword.other.unit.magnitude.tradeplan",
    ]);
    expect(scopesAt(line, 15)).toEqual(["source.tradeplan", "constant.numeric.tradeplan"]);
  });

  it("scopes percents, money, strings, comments, lets and indicator calls", async () => {
    expect(await scoped("let stop_px = 2.5% # trail")).toEqual([
      "let=storage.type.let",
      "stop_px=entity.name.variable",
      "==keyword.operator.assignment",
      "2.5=constant.numeric.percent",
      "%=keyword.other.unit.percent",
      "#=punctuation.definition.comment",
      " trail=comment.line.number-sign",
    ]);
    expect(await scoped("risk max daily loss $2,000")).toContain("$2,000=constant.numeric.money");
    expect(await scoped('plan "A \\"quoted\\" name"')).toEqual([
      "plan=keyword.other.declaration",
      '"=punctuation.definition.string.begin',
      "A =string.quoted.double",
      '\\"=constant.character.escape',
      "quoted=string.quoted.double",
      '\\"=constant.character.escape',
      " name=string.quoted.double",
      '"=punctuation.definition.string.end',
    ]);
    expect(await scoped("let x = sma(close, 20) > ema(volume, 5)")).toContain("sma=support.function.indicator");
  });

  it("scopes a param's keywords, its range and its bounds", async () => {
    expect(await scoped("param level = 3700 in 3600..3800 step 10")).toEqual([
      "param=storage.type.let",
      "level=entity.name.variable",
      "==keyword.operator.assignment",
      "3700=constant.numeric",
      "in=keyword.other.range",
      "3600=constant.numeric",
      "..=punctuation.separator.range",
      "3800=constant.numeric",
      "step=keyword.other.range",
      "10=constant.numeric",
    ]);
    expect(await scoped("param m = 2% in 1%..5%")).toContain("..=punctuation.separator.range");
  });

  it("marks what the compiler rejects as invalid", async () => {
    expect(await scoped('plan "unterminated')).toContain('"unterminated=invalid.illegal.unterminated-string');
    expect(await scoped("on 5min close above 1")).toContain("5min=invalid.illegal.number");
    expect(await scoped("let a = 1 ; b")).toContain(";=invalid.illegal.character");
  });

  it("keeps tickers that look like keywords as names: keywords are lower case", async () => {
    expect(await scoped("symbols ON, LOW, Enter")).toEqual([
      "symbols=keyword.other.declaration",
      "ON=variable.other",
      ",=punctuation.separator.comma",
      "LOW=variable.other",
      ",=punctuation.separator.comma",
      "Enter=variable.other",
    ]);
  });

  it("names every keyword of the lexer, and no other word, as a keyword", () => {
    const grammar = JSON.parse(readFileSync(GRAMMAR_FILE, "utf8")) as {
      repository: { keywords: { patterns: { match: string }[] } };
    };
    const words = grammar.repository.keywords.patterns.flatMap((p) =>
      (/\\b\(?([a-z|]+)\)?\\b/.exec(p.match)?.[1] ?? "").split("|"),
    );
    expect([...new Set(words)].sort()).toEqual(Object.keys(KEYWORDS).sort());
  });

  // Every token the compiler's lexer finds in the shipped examples must get the matching scope.
  const EXPECTED: Record<string, RegExp> = {
    Comment: /^(comment\.line|punctuation\.definition\.comment)/,
    StringLit: /^(string\.quoted|punctuation\.definition\.string)/,
    Money: /^constant\.numeric\.money/,
    Time: /^constant\.numeric\.time/,
    Timeframe: /^(constant\.other\.timeframe|keyword\.other\.unit\.timeframe)/,
    Percent: /^constant\.numeric\.percent/,
    Number: /^constant\.numeric\.tradeplan/,
    Identifier: /^(variable\.other|entity\.name\.variable|support\.function\.indicator)/,
    LParen: /^punctuation\.section\.parens/,
    RParen: /^punctuation\.section\.parens/,
    LBracket: /^punctuation\.section\.brackets/,
    RBracket: /^punctuation\.section\.brackets/,
    Comma: /^punctuation\.separator/,
    DotDot: /^punctuation\.separator\.range/,
  };
  const OPERATOR = /^keyword\.operator\.(comparison|arithmetic|assignment)/;
  const KEYWORD = /^(keyword\.|constant\.language|variable\.language|storage\.type)/;

  for (const plan of [...plans("plans"), ...plans("failing")]) {
    it(`agrees with the lexer on ${plan.name}`, async () => {
      const lines = await tokenizeText(plan.text);
      const starts = [0];
      for (const m of plan.text.matchAll(/\r\n|\r|\n/g)) starts.push(m.index + m[0].length);
      const lex = tokenize(plan.text);
      const mismatches: string[] = [];
      for (const t of [...lex.tokens, ...lex.comments]) {
        const name = t.tokenType.name;
        if (name === "NL") continue;
        let line = 0;
        while (line + 1 < starts.length && starts[line + 1]! <= t.startOffset) line++;
        const scope = scopeAt(lines[line] ?? [], t.startOffset - starts[line]!);
        const want = name.startsWith("Kw_") ? KEYWORD : (EXPECTED[name] ?? OPERATOR);
        if (!want.test(scope)) mismatches.push(`${line + 1}: ${t.image} (${name}) got ${scope}`);
      }
      expect(mismatches).toEqual([]);
    });
  }
});
