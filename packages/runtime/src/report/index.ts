export { type ReportInput, renderReport, type SeriesPoint } from "./html.js";
