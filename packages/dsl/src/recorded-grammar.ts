import {
  Alternation,
  Alternative,
  getLookaheadPaths,
  type IProduction,
  type IProductionWithOccurrence,
  NonTerminal,
  Option,
  Repetition,
  RepetitionMandatory,
  RepetitionMandatoryWithSeparator,
  RepetitionWithSeparator,
  Rule,
  Terminal,
  type TokenType,
} from "#chevrotain";

/**
 * The grammar's rules as Chevrotain records them (its GAST: which
 * alternatives, options, repetitions, terminals and subrules each rule is
 * made of), in JSON, so that a parser can be built from this record instead
 * of Chevrotain running every rule in its recording mode first. That
 * recording was about two thirds of building a parser, which every
 * short-lived `tradeplan check` pays (start-up, docs/architecture.md).
 *
 * With them, the lookahead paths of each choice the rules make (which
 * tokens lead into each alternative, option or repetition), from which
 * recorded-lookahead.ts builds the lookahead functions: computing the paths
 * was most of what building a parser from the recorded rules still cost.
 *
 * The record is made from the grammar itself: `recorded-grammar.generated.ts`
 * is written by packages/dsl/test/recorded-grammar.test.ts (`npx vitest run
 * -u` on it after a grammar change), which fails while the record and a
 * fresh recording differ, and the grammar test builds its parser by
 * recording, with Chevrotain's checks. grammar.ts is the only definition.
 */
export interface RecordedProduction {
  /** The GAST class. */
  readonly type: ProductionType;
  /** Its own fields (`idx`, `name`, `nonTerminalName`, `hasPredicates`, ...), all plain values. */
  readonly fields: Readonly<Record<string, string | number | boolean>>;
  /** A terminal's token type, by name. */
  readonly terminal?: string;
  /** A repetition's separator token type, by name. */
  readonly separator?: string;
  readonly definition?: readonly RecordedProduction[];
}

const CLASSES = {
  Rule,
  NonTerminal,
  Alternative,
  Option,
  RepetitionMandatory,
  RepetitionMandatoryWithSeparator,
  Repetition,
  RepetitionWithSeparator,
  Alternation,
  Terminal,
} as const;

type ProductionType = keyof typeof CLASSES;

/** Fields that are not plain values: the parts, token types, and the rule a subrule refers to (Chevrotain resolves it by name). */
const STRUCTURAL = new Set(["_definition", "terminalType", "separator", "referencedRule"]);

/** The record of a grammar: its rules, and the lookahead paths of their choices. */
export interface RecordedGrammar {
  readonly rules: readonly RecordedProduction[];
  /** By {@link lookaheadKey}: for each alternative (one for an option or a repetition), its paths of token names. */
  readonly lookahead: Readonly<Record<string, readonly (readonly (readonly string[])[])[]>>;
}

/** The choices Chevrotain builds a lookahead function for. */
export const CHOICES = [
  "Alternation",
  "Option",
  "Repetition",
  "RepetitionMandatory",
  "RepetitionMandatoryWithSeparator",
  "RepetitionWithSeparator",
] as const;
export type Choice = (typeof CHOICES)[number];

/** A choice in the record: its rule, its kind and its occurrence in the rule (`OR2`: 2). */
export const lookaheadKey = (rule: string, choice: Choice, occurrence: number): string =>
  `${rule}/${choice}/${occurrence}`;

/** The record of Chevrotain's recorded rules (a parser's GAST, by rule name in definition order) and their choices. */
export function recordGrammar(rules: readonly Rule[]): RecordedGrammar {
  return { rules: recordRules(rules), lookahead: recordLookahead(rules) };
}

/** The record of the rules alone. */
export function recordRules(rules: readonly Rule[]): RecordedProduction[] {
  return rules.map(record);
}

/** Chevrotain's lookahead paths (one token deep: the grammar is LL(1)) of every choice of the rules. */
function recordLookahead(rules: readonly Rule[]): Record<string, string[][][]> {
  const out: Record<string, string[][][]> = {};
  for (const rule of rules) {
    const visit = (p: IProduction): void => {
      const choice = CHOICES.find((c) => p instanceof CLASSES[c]);
      if (choice !== undefined) {
        const occurrence = (p as IProductionWithOccurrence).idx;
        const paths = getLookaheadPaths({ occurrence, rule, prodType: choice, maxLookahead: 1 });
        out[lookaheadKey(rule.name, choice, occurrence)] = paths.map((alt) =>
          alt.map((path) => path.map((t) => t.name)),
        );
      }
      // A subrule's definition is another rule's: visited as that rule.
      if (!(p instanceof NonTerminal) && "definition" in p)
        for (const part of p.definition as IProduction[]) visit(part);
    };
    for (const part of rule.definition) visit(part);
  }
  return out;
}

function record(node: IProduction | Rule): RecordedProduction {
  const type = (Object.keys(CLASSES) as ProductionType[]).find((t) => node instanceof CLASSES[t]);
  if (type === undefined) throw new Error(`recorded grammar: unknown production ${node.constructor.name}`);
  const fields: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(node)) {
    if (STRUCTURAL.has(key) || value === undefined) continue;
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean")
      throw new Error(`recorded grammar: ${type}.${key} is no plain value`);
    fields[key] = value;
  }
  // A subrule's definition is the rule it refers to: recorded by name only.
  const parts =
    node instanceof Terminal || node instanceof NonTerminal
      ? undefined
      : (node as { definition: readonly IProduction[] }).definition;
  const separator = (node as { separator?: TokenType }).separator;
  return {
    type,
    fields,
    ...(node instanceof Terminal ? { terminal: node.terminalType.name } : {}),
    ...(separator !== undefined ? { separator: separator.name } : {}),
    ...(parts !== undefined ? { definition: parts.map(record) } : {}),
  };
}

/**
 * The rules of a record, rebuilt with Chevrotain's GAST classes and the
 * grammar's token types; undefined when a token it names is unknown (the
 * parser then records its rules itself).
 */
export function rebuildRules(
  recorded: readonly RecordedProduction[],
  tokens: readonly TokenType[],
): Map<string, Rule> | undefined {
  const byName = new Map(tokens.map((t) => [t.name, t]));
  const token = (name: string): TokenType => {
    const t = byName.get(name);
    if (t === undefined) throw new UnknownToken();
    return t;
  };
  const rebuild = (p: RecordedProduction): IProduction | Rule => {
    const definition = (p.definition ?? []).map(rebuild) as IProduction[];
    const node =
      p.type === "Terminal"
        ? new Terminal({ terminalType: token(p.terminal ?? "") })
        : p.type === "NonTerminal"
          ? new NonTerminal({ nonTerminalName: String(p.fields.nonTerminalName) })
          : p.type === "Rule"
            ? new Rule({ name: String(p.fields.name), definition })
            : p.type === "RepetitionMandatoryWithSeparator" || p.type === "RepetitionWithSeparator"
              ? new CLASSES[p.type]({ definition, separator: token(p.separator ?? "") })
              : new CLASSES[p.type]({ definition });
    return Object.assign(node, p.fields);
  };
  try {
    return new Map(recorded.map((r) => [String(r.fields.name), rebuild(r) as Rule]));
  } catch (e) {
    if (e instanceof UnknownToken) return undefined;
    throw e;
  }
}

class UnknownToken extends Error {}
