/**
 * The files `tradeplan init` writes: a starter plan, its test file, a
 * minimal `tradeplan.yaml` and a GitHub Actions workflow running check
 * (SARIF to code scanning), fmt --check and test (JUnit to a reporter).
 * Every template is checked by tests: the plan checks clean and is
 * formatted, its tests pass, the config validates, the workflow parses.
 * The two YAML files start with the line that points an editor's YAML
 * language server at their JSON Schema, of the version that wrote them.
 */

import { npxCommand } from "../invocation.js";
import { SCHEMA_FILES, schemaModeline } from "../json-schemas/locations.js";
import { VERSION } from "../version.js";

export interface ScaffoldFile {
  /** Path relative to the target directory, with `/`. */
  readonly path: string;
  readonly text: string;
}

/** `My Plan!` -> `my-plan`: the file name of a plan named NAME. */
export function slugOf(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return s === "" ? "plan" : s.slice(0, 64);
}

/** A plan string literal: quotes and backslashes escaped. */
const quoted = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

export function planTemplate(name: string): string {
  return `# ${name}: a starting point. Edit the rules, then run
#   tradeplan check plans && tradeplan fmt --check plans && tradeplan test plans
plan ${quoted(name)}
symbol AAPL
timezone "America/New_York"
session regular

risk max position 500 shares

let breakout = 150.25

on 5m close above breakout with volume > 1M enter long size 100 shares
on 1m trailing stop 2%
on 15m close below 145 exit long
`;
}

export function testTemplate(slug: string, version: string = VERSION): string {
  return `${schemaModeline(SCHEMA_FILES.planTest, version)}
# Tests for ${slug}.plan (reference: tradeplan's docs/testing.md).
# Rows: [time, open, high, low, close, volume], times are bar open times in
# the plan's zone; { t, until, c, v } repeats a bar (or ramps c: [from, to])
# every minute. \`at\` is the close time of the bar a rule decided on.
cases:
  - name: a 5m close above the breakout on heavy volume enters long
    date: 2024-03-01
    bars:
      - { t: "09:30", until: "09:34", c: 150.00, v: 100000 } # 5m close 150.00: below the level
      - { t: "09:35", until: "09:39", c: [150.10, 150.50], v: 300000 } # 5m close 150.50 on 1.5M
      - { t: "09:40", until: "09:44", c: 150.50, v: 50000 } # the entry fills at the 09:40 open
    expect:
      fires:
        - { rule: "close above breakout", at: "09:40", action: enter_long, outcome: acted }
      no_other_fires: true # the 15m close at 09:45 (150.50) is above 145: no exit
      final_position: long 100

  - name: the trailing stop exits 2% below the best close
    date: 2024-03-01
    start: long 100 # bought at the first bar's open, 150
    bars:
      - { t: "09:30", until: "09:39", c: [150.00, 155.00], v: 100000 } # best close 155, stop 151.90
      - ["09:40", 155.00, 155.00, 151.50, 151.60, 100000] # 151.60 <= 151.90: exit at 09:41
      - ["09:41", 151.60, 151.70, 151.50, 151.60, 100000] # the exit fills at this open
    expect:
      fires:
        - { rule: "trailing stop", at: "09:41", action: exit_long, outcome: acted }
      final_position: flat
      trades: 1

  - name: a 15m close below 145 exits
    date: 2024-03-01
    start: long 100
    bars:
      - { t: "09:30", until: "09:44", c: 144.00, v: 100000 }
      - ["09:45", 144.00, 144.20, 143.80, 144.10, 100000]
    expect:
      fires:
        - { rule: "close below 145", at: "09:45", action: exit_long, outcome: acted }
      final_position: flat
      trades: 1
`;
}

/** Minimal `tradeplan.yaml`: paper trading, a position limit; everything else has a default. */
export function configTemplate(version: string = VERSION): string {
  return `${schemaModeline(SCHEMA_FILES.config, version)}
# tradeplan.yaml: settings for running plans. Every key is optional.
broker:
  type: paper
risk:
  # A ceiling for every plan: a plan's own \`risk\` lines can only tighten it.
  maxPositionShares: 1000
  maxDailyLoss: 5000
`;
}

/**
 * The GitHub Actions workflow: check (SARIF to code scanning), fmt --check,
 * test (JUnit to a test reporter). It runs tradeplan with npx, pinned to the
 * version that wrote it (`command`: `npx --yes @tradeplan/cli@VERSION`), so
 * that a plan's CI does not change with each release.
 */
export function workflowTemplate(command: string): string {
  return `# Checks, formats and tests the plans on every push and pull request.
name: tradeplan

on:
  push:
    branches: [main]
  pull_request:

permissions:
  contents: read
  security-events: write # upload-sarif: diagnostics as code scanning alerts
  checks: write # test-reporter: the test results as a check run

env:
  # The tradeplan that wrote this file, pinned so that CI does not change with each release: raise the
  # version on purpose (or run tradeplan however your project installs it).
  TRADEPLAN: ${command}

jobs:
  plans:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - name: tradeplan check
        run: $TRADEPLAN check plans --format sarif > tradeplan.sarif
      - name: Upload diagnostics
        if: \${{ !cancelled() }}
        uses: github/codeql-action/upload-sarif@v3
        with:
          sarif_file: tradeplan.sarif
          category: tradeplan
      - name: tradeplan fmt --check
        run: $TRADEPLAN fmt --check plans
      - name: tradeplan test
        if: \${{ !cancelled() }}
        run: $TRADEPLAN test plans --format junit --min-coverage 80 > tradeplan-junit.xml
      - name: Test report
        if: \${{ !cancelled() }}
        uses: dorny/test-reporter@v1
        with:
          name: tradeplan tests
          path: tradeplan-junit.xml
          reporter: java-junit
`;
}

/**
 * Every file of a new project, in the order written. `version` pins the
 * schema references as `command` (by default `npx` of that version) pins CI.
 */
export function scaffoldFiles(
  name: string,
  version: string = VERSION,
  command: string = npxCommand(version),
): ScaffoldFile[] {
  const slug = slugOf(name);
  return [
    { path: `plans/${slug}.plan`, text: planTemplate(name) },
    { path: `plans/${slug}.plan.test.yaml`, text: testTemplate(slug, version) },
    { path: "tradeplan.yaml", text: configTemplate(version) },
    { path: ".github/workflows/tradeplan.yml", text: workflowTemplate(command) },
  ];
}
