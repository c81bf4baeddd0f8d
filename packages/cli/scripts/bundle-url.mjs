// Injected into dist/fast.cjs by bundle.mjs: the bundle's own URL, which `import.meta.url` becomes there.
import { pathToFileURL } from "node:url";

export const __tradeplanBundleUrl = pathToFileURL(__filename).href;
