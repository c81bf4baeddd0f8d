#!/usr/bin/env node
import { processIO } from "./io.js";
import { run } from "./program.js";

// `exitCode` rather than `exit()`, so that buffered output to a pipe is flushed first.
process.exitCode = await run(process.argv.slice(2), processIO());
