import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** A plan whose rules the fixtures below exercise (lines 6, 7 and 8). */
export const PLAN = `plan "fixture"
symbol AAPL

let level = 150

on 5m close above level with volume > 1M enter long size 100 shares
on 1m trailing stop 2%
on 15m close below 145 exit long
`;

/** Bars on which rule 6 fires at 09:40 (the 5m bar 09:35-09:40 closes at 150.50 on 1.5M). */
export const ENTRY_BARS = `    date: 2024-03-01
    bars:
      - { t: "09:30", until: "09:34", c: 149.00, v: 100000 }
      - { t: "09:35", until: "09:39", c: [149.50, 150.50], v: 300000 }
      - ["09:40", 150.50, 150.60, 150.40, 150.55, 50000]
`;

export const PASSING_CASE = `  - name: enters on the breakout
${ENTRY_BARS}    expect:
      fires:
        - { rule: "close above level", at: "09:40", action: enter_long, outcome: acted }
      final_position: long 100
`;

/** Writes `files` (relative path -> text) under `dir`. */
export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    const abs = join(dir, path);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, text);
  }
}

export interface JsonCase {
  name: string;
  status: string;
  line: number;
  errors: { code: string; message: string; hint?: string; location: { file: string; line: number; column: number } }[];
  failures: {
    code: string;
    message: string;
    expected: string;
    actual: string;
    location: { file: string; line: number; column: number };
    rule: { id: string; line: number } | null;
    bar: string | null;
  }[];
}

export interface JsonReport {
  format: string;
  version: number;
  files: {
    file: string;
    plan: string | null;
    errors: {
      code: string;
      message: string;
      hint?: string;
      location: { file: string; line: number; column: number };
    }[];
    cases: JsonCase[];
  }[];
  summary: { files: number; cases: number; passed: number; failed: number; errors: number; skipped: number };
  coverage?: {
    plans: {
      plan: string;
      rules: number;
      rulesFired: number;
      conditions: number;
      conditionsCovered: number;
      byRule: { line: number; fired: number; conditionTrue: boolean; conditionFalse: boolean }[];
    }[];
    totals: { ruleRate: number; conditionRate: number };
  };
}

/** YAML parsing for the cross-package tests (the root has no `yaml` dependency of its own). */
export { parse as parseYaml } from "yaml";
