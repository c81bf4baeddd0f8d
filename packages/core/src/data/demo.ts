import { calendarFor } from "../calendar/factory.js";
import { barsToCsv } from "./csv-writer.js";
import { generateBars, tradingSessions } from "./generator.js";

/**
 * The bundled demo data set: `examples/data/demo-1m.csv`, 20 NYSE sessions
 * of 1-minute bars of a synthetic symbol `DEMO` from 2024-02-20, stamped
 * with bar open times in New York time. Regenerating it with these settings
 * gives the same bytes (a test checks the shipped file).
 */
export const DEMO_DATA = Object.freeze({
  symbol: "DEMO",
  seed: 20_240_220,
  from: "2024-02-20",
  sessions: 20,
  interval: "1m",
  startPrice: 100,
  timezone: "America/New_York",
  file: "examples/data/demo-1m.csv",
});

/** The demo CSV text. */
export function generateDemoCsv(): string {
  const sessions = tradingSessions(calendarFor("regular"), DEMO_DATA.from, DEMO_DATA.sessions);
  const bars = generateBars(
    { symbol: DEMO_DATA.symbol, seed: DEMO_DATA.seed, interval: DEMO_DATA.interval, startPrice: DEMO_DATA.startPrice },
    sessions,
  );
  return barsToCsv(bars, DEMO_DATA.timezone);
}
