export * from "./feed.js";
