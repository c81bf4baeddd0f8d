// Copies Chevrotain's own single-file ES module build (lib/chevrotain.mjs, with
// its lodash-es parts inlined; Chevrotain ships it) into dist/vendor/, where
// the package's `#chevrotain` import points under the `node` condition.
// Why: Chevrotain's package entry is ~100 modules that import ~600 lodash-es
// modules; resolving and loading them cost 350-420 ms per process here, the
// single file 17 ms (measured side by side, docs/architecture.md). Browsers
// and bundlers keep the package entry (`default`), and the workspace's
// sources the package itself (`@tradeplan/source`).
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "..", "package.json"));
// The package exports only its entry (lib/src/api.js): its root is three folders up.
const root = join(dirname(require.resolve("chevrotain")), "..", "..");
const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
const out = join(here, "..", "dist", "vendor");
mkdirSync(out, { recursive: true });
copyFileSync(join(root, "lib", "chevrotain.mjs"), join(out, "chevrotain.mjs"));
copyFileSync(join(root, "LICENSE.txt"), join(out, "chevrotain.LICENSE.txt"));
const lodash = join(dirname(createRequire(join(root, "package.json")).resolve("lodash-es")), "LICENSE");
copyFileSync(lodash, join(out, "lodash-es.LICENSE.txt"));
writeFileSync(
  join(out, "README.md"),
  `chevrotain.mjs is Chevrotain ${version}'s own single-file ES module build (lib/chevrotain.mjs), unchanged, with the lodash-es modules it uses inlined by Chevrotain's build. Licences: chevrotain.LICENSE.txt (Apache-2.0), lodash-es.LICENSE.txt (MIT).\n`,
);
