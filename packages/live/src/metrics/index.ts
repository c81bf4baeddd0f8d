export { SessionMetrics } from "./metrics.js";
export { type MetricsServer, serveMetrics } from "./server.js";
