/**
 * Stable codes of `tradeplan test` problems. `T00xx`: the test could not be
 * loaded or run (exit 2); `T01xx`: an expectation did not hold (exit 1).
 */
export const TEST_CODES = {
  /** The YAML does not parse. */
  yaml: "T0001",
  /** A key is unknown, missing or has the wrong type. */
  schema: "T0002",
  /** The plan (or the test file itself) is missing or unreadable. */
  planMissing: "T0003",
  /** The plan has errors (its diagnostics follow). */
  planErrors: "T0004",
  /** A rule reference names no rule, or several. */
  unknownRule: "T0005",
  /** A bar row is invalid (time, prices, order). */
  badBar: "T0006",
  /** The CSV file is missing, unreadable or has bad rows. */
  badCsv: "T0007",
  /** The symbol or timeframe does not fit the plan. */
  badSetup: "T0008",
  /** The engine refused the data (calendar, timeframes). */
  runFailed: "T0009",
  /** An expected firing did not happen. */
  missingFire: "T0101",
  /** The rule fired with another action. */
  wrongAction: "T0102",
  /** The engine did something else with the firing. */
  wrongOutcome: "T0103",
  /** A rule fired that must not (never_fires, no_other_fires). */
  unexpectedFire: "T0104",
  /** The final position differs. */
  finalPosition: "T0105",
  /** The number of closed trades differs. */
  tradeCount: "T0106",
  /** Net P&L is out of bounds. */
  pnl: "T0107",
} as const;

export type TestCode = (typeof TEST_CODES)[keyof typeof TEST_CODES];
