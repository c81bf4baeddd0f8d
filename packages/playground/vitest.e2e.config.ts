import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * The browser tests alone (`pnpm --filter @tradeplan/playground test:e2e`):
 * they start Vite and Chromium, which takes a minute or two on a shared
 * machine, so the workspace's default run can leave them out.
 */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: ["packages/playground/test/**/*.e2e.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 240_000,
    pool: "forks",
  },
});
