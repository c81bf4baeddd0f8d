// `pnpm build`: builds the publishable packages to dist/ (tsc -b: only what
// changed), then the steps tsc does not do (the dsl's vendored Chevrotain
// build, then the CLI's bundle of its fast commands, which holds it).
// `pnpm install`, `pnpm tradeplan`, `pnpm demo` and scripts/pack.mjs run it.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
try {
  execFileSync(join(root, "node_modules", ".bin", "tsc"), ["-b", "packages/cli/tsconfig.build.json"], {
    cwd: root,
    stdio: "inherit",
  });
} catch {
  process.exit(1);
}
execFileSync(process.execPath, [join(root, "packages", "dsl", "scripts", "vendor.mjs")], { stdio: "inherit" });
execFileSync(process.execPath, [join(root, "packages", "cli", "scripts", "bundle.mjs")], { stdio: "inherit" });
