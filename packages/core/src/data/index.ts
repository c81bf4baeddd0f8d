export {
  BarColumns,
  BarColumnsBuilder,
  type BarColumnsTransfer,
  type ColumnsReadCounts,
} from "./columns.js";
export {
  CsvBarReader,
  type CsvCalendar,
  CsvFormatError,
  type CsvOptions,
  CsvOptionsSchema,
  type CsvRejectCode,
  type CsvSummary,
  type DailyBounds,
  detectLayout,
  MAX_LINE_BYTES,
  parseCsvText,
  type RejectedRow,
  reasonCounts,
} from "./csv.js";
export { barsToCsv, CSV_HEADER } from "./csv-writer.js";
export { DEMO_DATA, generateDemoCsv } from "./demo.js";
export {
  type GeneratorOptions,
  GeneratorOptionsSchema,
  generateBars,
  intradayProfile,
  MarketWalk,
  type SessionBounds,
  tradingSessions,
  type WalkState,
} from "./generator.js";
export { Mulberry32 } from "./prng.js";
export { secondsToTimeframe, timeframeSeconds } from "./timeframe.js";
export { ZonedTimeConverter } from "./zoned.js";
