import { defineConfig } from "vitest/config";

/**
 * Unit and cross-package tests run the workspace packages' TypeScript
 * sources: the `@tradeplan/source` export condition points each package at
 * `src/`, where plain Node (and an installed package) gets the built `dist/`.
 * The end-to-end suite (test/e2e) runs none of the sources: its set-up packs
 * and installs the packages, and every test drives the installed `tradeplan`.
 */
const SOURCE = "@tradeplan/source";
// Vite's default server conditions, with ours first.
const CONDITIONS = [SOURCE, "module", "node", "development|production"];

export default defineConfig({
  resolve: { conditions: CONDITIONS },
  ssr: { resolve: { conditions: CONDITIONS, externalConditions: [SOURCE] } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["packages/*/test/**/*.test.ts", "test/**/*.test.ts"],
          exclude: ["test/e2e/**", "**/node_modules/**"],
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          globalSetup: ["test/e2e/setup.ts"],
          // Packing and installing (a native module compiles) comes first, once per run.
          hookTimeout: 600_000,
          testTimeout: 300_000,
        },
      },
    ],
  },
});
