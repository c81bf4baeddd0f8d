/**
 * One line of documentation per keyword, for hover and completion. The
 * language reference (docs/language.md) is the long form.
 */
export const KEYWORD_DOCS: Readonly<Record<string, string>> = {
  plan: 'Names the plan: `plan "NAME"`, the first statement of a file.',
  symbol: 'The instrument the plan trades: `symbol AAPL` (or a string for `"BRK.B"`).',
  symbols: "The instruments the plan trades: `symbols AAPL, MSFT`. Every rule applies to every symbol.",
  timezone: 'The IANA zone in which times of day are read: `timezone "America/New_York"` (the default).',
  session: "Which bars rules see: `regular` (exchange hours, the default), `extended` (04:00-20:00) or `always`.",
  regular:
    "Session: exchange hours from the market calendar (NYSE 09:30-16:00 New York time), holidays and early closes included.",
  extended: "Session: 04:00-20:00 on trading days.",
  always: "Session: every bar; daily bars align to midnight in the plan's zone.",
  let: "Names a value or a condition: `let heavy = volume > 1.5 * sma(volume, 20)`. May be used before its definition.",
  param:
    "A constant a run may set: `param threshold = 3700 in 3600..3800 step 10` (default, range, optional step); `tradeplan backtest --set threshold=3650`.",
  in: "In `param NAME = DEFAULT in MIN..MAX`: the range a run may set the param to.",
  step: "In `param ... in MIN..MAX step S`: the values are MIN, MIN + S, ... up to MAX.",
  risk: "A risk limit for this plan: `risk max position 500 shares`, `risk max order value $50,000`, `risk max daily loss $2,000` (or `2%`), `risk max orders per minute 10`.",
  on: "Starts a rule: `on TIMEFRAME CONDITION [with FILTER] [between T and T] ACTION [MODIFIERS]`, evaluated on every close of a bar of that timeframe.",
  with: "A filter that must hold too: `with volume > 1M`. Separate from the condition only for readability and audit reasoning.",
  between:
    "Limits the rule to bars whose close time of day is within the window, both ends included: `between 10:00 and 15:30`.",
  and: "Both sides hold. Binds tighter than `or`.",
  or: "Either side holds.",
  not: "The condition does not hold.",
  above: "`a above b` is `a > b`.",
  below: "`a below b` is `a < b`.",
  crosses:
    "`a crosses above b`: `a > b` on this bar and `a <= b` on the previous bar; `crosses below` is the mirror. Adds one bar to the lookback.",
  enter:
    "Opens a position: `enter long` buys, `enter short` sells short. Suppressed while a position of that side is open.",
  exit: "Closes the open position; `exit long` / `exit short` only a position of that side.",
  long: "The buying side.",
  short: "The short-selling side.",
  size: "How much to trade: `size 100 shares`, `size $5,000`, or `size 10% of equity`. Without it a rule trades 100 shares.",
  shares: "A number of whole shares.",
  of: "`x of 1h`: `x` on the last closed bar of another timeframe of the same symbol (never the bar still forming). In `size P% of equity`: a percent of account equity.",
  equity: "The account's equity: `size 10% of equity`.",
  confidence: "A floor on the signal's confidence: `low` (0), `medium` (0.4), `high` (0.7) or a number in [0, 1].",
  medium: "Confidence floor 0.4.",
  stop: "A protective stop at a price or a percent from the entry price: `stop 2%`. In `trailing stop P%`: the trail.",
  target: "A profit target at a price or a percent from the entry price: `target 3%`.",
  trailing:
    "`on 1m trailing stop 2%` exits when a close falls 2% below the best close since entry (mirrored for shorts).",
  activate: "`activate at PRICE`: the trailing stop starts tracking once a close first reaches this price.",
  at: "`activate at PRICE`.",
  true: "The condition that always holds.",
  false: "The condition that never holds (a rule on it can never fire: E0401).",
  open: "The bar's opening price (kind price).",
  high: "The bar's highest price (kind price). In `confidence high`: the floor 0.7.",
  low: "The bar's lowest price (kind price). In `confidence low`: the floor 0.",
  close: "The bar's closing price (kind price).",
  volume: "The bar's traded volume (kind volume).",
};
