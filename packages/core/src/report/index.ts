export {
  type ChartHost,
  type ChartHosts,
  type ChartLibrary,
  type MountedChart,
  moneyLabel,
  mountBacktestChart,
  percentLabel,
} from "./chart.js";
export {
  buildChartData,
  type ChartCandle,
  type ChartMarker,
  type ChartPoint,
  type ChartSource,
  LOG_SCALE_RATIO,
  type ReportChartData,
  type SymbolChart,
} from "./chart-data.js";
export {
  type ChartLibrarySource,
  monthlyTable,
  type ReportInput,
  renderReport,
  type SeriesPoint,
  tradePnlPercent,
} from "./html.js";
export { isDailyTimeframe, LocalTime } from "./local-time.js";
export { entryWhy, entryWhyKey, formatTrace, formatWhy } from "./why.js";
