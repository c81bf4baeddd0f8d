/**
 * A deterministic generator of large, realistic, clean plans for the
 * benchmarks: a header, a few lets, and `rules` rules cycling through the
 * shapes the examples use (thresholds, crosses, RSI, multi-timeframe, windows,
 * trailing stops).
 */
export function generatePlan(rules: number): string {
  const lines = [
    'plan "generated benchmark plan"',
    "symbol AAPL",
    "session regular",
    "risk max position 500 shares",
    "",
  ];
  lines.push("let heavy = volume > 1.5 * sma(volume, 20)");
  lines.push("let uptrend = close of 1h > sma(close, 50) of 1h");
  lines.push("");
  for (let i = 0; i < rules; i++) {
    const lvl = (100 + (i % 5000) * 0.01).toFixed(2);
    switch (i % 6) {
      case 0:
        lines.push(`on 5m close above ${lvl} with volume > 1M enter long size 100 shares`);
        break;
      case 1:
        lines.push(
          `on 15m close crosses above sma(close, ${10 + (i % 40)}) with heavy between 10:00 and 15:30 enter long confidence high`,
        );
        break;
      case 2:
        lines.push(`on 1h rsi(close, 14) > ${60 + (i % 20)} and close < highest(high, 20)[1] exit long`);
        break;
      case 3:
        lines.push(`on 5m close below ${lvl} exit long`);
        break;
      case 4:
        lines.push(
          `on 5m ema(close, 9) crosses below ema(close, 21) with not uptrend enter short size $5,000 stop 2% target 3%`,
        );
        break;
      default:
        lines.push(`on 1m trailing stop ${1 + (i % 4)}% activate at ${lvl}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
