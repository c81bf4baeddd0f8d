import { type ILookaheadStrategy, type IToken, LLkLookaheadStrategy, type TokenType } from "#chevrotain";
import { type Choice, lookaheadKey, type RecordedGrammar } from "./recorded-grammar.js";

type Strategy = ILookaheadStrategy;
type AlternationOptions = Parameters<Strategy["buildLookaheadForAlternation"]>[0];
type OptionalOptions = Parameters<Strategy["buildLookaheadForOptional"]>[0];

/** What a lookahead function reads of the parser it runs on (Chevrotain calls it with the parser as `this`). */
interface Reader {
  LA(howMuch: number): IToken;
}

/**
 * Chevrotain's LL(1) lookahead, its functions built from the recorded
 * lookahead paths (recorded-grammar.ts) instead of paths computed from the
 * rules on every start. For a choice whose paths are all one token long and
 * which has no gate, Chevrotain's function is a table from the next token's
 * type to the alternative (the first alternative a token leads into wins;
 * a token also stands for the categories it belongs to): these are built
 * here, the same tables from the same paths. Any other choice, any choice
 * the record lacks, and the grammar checks are Chevrotain's own.
 * recorded-grammar.test.ts compares every function with Chevrotain's on
 * every token type.
 */
export class RecordedLookahead implements Strategy {
  private readonly llk: Strategy = new LLkLookaheadStrategy({ maxLookahead: 1 });
  private paths: ReadonlyMap<string, readonly (readonly (readonly TokenType[])[])[]> | undefined;

  /** Takes the recorded paths (before the parser's self-analysis); without them every function is Chevrotain's. */
  use(record: RecordedGrammar, tokens: readonly TokenType[]): void {
    const byName = new Map(tokens.map((t) => [t.name, t]));
    const paths = new Map<string, TokenType[][][]>();
    for (const [key, alts] of Object.entries(record.lookahead)) {
      const typed = alts.map((alt) => alt.map((path) => path.map((name) => byName.get(name))));
      // A token the grammar no longer has: leave the choice to Chevrotain.
      if (typed.every((alt) => alt.every((path) => path.every((t) => t !== undefined))))
        paths.set(key, typed as TokenType[][][]);
    }
    this.paths = paths;
  }

  validate(options: Parameters<Strategy["validate"]>[0]): ReturnType<Strategy["validate"]> {
    return this.llk.validate(options);
  }

  buildLookaheadForAlternation(options: AlternationOptions): ReturnType<Strategy["buildLookaheadForAlternation"]> {
    const alts = this.oneTokenPaths(options.rule.name, "Alternation", options.prodOccurrence, options);
    if (alts === undefined || options.hasPredicates) return this.llk.buildLookaheadForAlternation(options);
    const choice: (number | undefined)[] = [];
    alts.forEach((alt, i) => {
      for (const [t] of alt) {
        if (t === undefined) continue;
        choice[t.tokenTypeIdx as number] ??= i;
        for (const category of t.categoryMatches ?? []) choice[category] ??= i;
      }
    });
    return function (this: Reader) {
      return choice[this.LA(1).tokenTypeIdx as number];
    };
  }

  buildLookaheadForOptional(options: OptionalOptions): ReturnType<Strategy["buildLookaheadForOptional"]> {
    const alts = this.oneTokenPaths(options.rule.name, options.prodType, options.prodOccurrence, options);
    // Chevrotain's optional choices look at the paths into their body (the first entry).
    const into = alts?.[0];
    if (into === undefined) return this.llk.buildLookaheadForOptional(options);
    const tokens = into.flatMap((path) => (path[0] === undefined ? [] : [path[0]]));
    const only = tokens[0];
    if (tokens.length === 1 && only !== undefined && (only.categoryMatches ?? []).length === 0) {
      const idx = only.tokenTypeIdx as number;
      return function (this: Reader) {
        return this.LA(1).tokenTypeIdx === idx;
      };
    }
    const leads: boolean[] = [];
    for (const t of tokens) {
      leads[t.tokenTypeIdx as number] = true;
      for (const category of t.categoryMatches ?? []) leads[category] = true;
    }
    return function (this: Reader) {
      return leads[this.LA(1).tokenTypeIdx as number] === true;
    };
  }

  /** The recorded paths of a choice when each is one token long (as in Chevrotain, dynamic tokens use its own). */
  private oneTokenPaths(
    rule: string,
    choice: Choice,
    occurrence: number,
    options: { readonly dynamicTokensEnabled: boolean },
  ): readonly (readonly (readonly TokenType[])[])[] | undefined {
    const alts = this.paths?.get(lookaheadKey(rule, choice, occurrence));
    if (alts === undefined || options.dynamicTokensEnabled) return undefined;
    return alts.every((alt) => alt.every((path) => path.length === 1)) ? alts : undefined;
  }
}
