export { type DetectorConfig, type DetectorConfigInput, DetectorConfigSchema } from "./config.js";
export { BarCloseDetector, type DetectorOptions, type StreamStats } from "./detector.js";
export { DetectorError, type DetectorErrorCode } from "./errors.js";
