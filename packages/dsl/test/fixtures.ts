/** The complete example of the language brief (../shared/spec/language.md), verbatim. */
export const BRIEF_EXAMPLE = `# Opening breakout on AAPL, protected by a trailing stop.
plan "AAPL opening breakout"
symbol AAPL
timezone "America/New_York"      # default
session regular                  # regular (default) | extended | always

let breakout = 150.25
let heavy = volume > 1.5 * sma(volume, 20)

on 5m close above breakout with volume > 1M enter long size 100 shares
on 5m close crosses above sma(close, 50) with heavy between 10:00 and 15:30 enter long confidence high
on 1m trailing stop 2% activate at 155.00
on 15m close below 145 exit long
`;
