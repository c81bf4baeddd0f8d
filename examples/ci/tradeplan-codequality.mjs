#!/usr/bin/env node
// Converts `tradeplan check --format json` output into a GitLab code quality
// report (the Code Climate issue format GitLab reads).
//
//   tradeplan check plans --format json > check.json
//   node tradeplan-codequality.mjs check.json > gl-code-quality-report.json
//
// Reads stdin when no file is given. Exit 0 with the report, 2 with
// `error: ...` on stderr when the input is not a tradeplan check report.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

function fail(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

/** The report, checked field by field: a wrong input must say why, not crash. */
function readReport(text, source) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    fail(`${source} is not JSON: ${e.message}`);
  }
  if (doc === null || typeof doc !== "object" || doc.version !== 1 || !Array.isArray(doc.files))
    fail(`${source} is not a \`tradeplan check --format json\` report (version 1)`);
  doc.files.forEach((f, i) => {
    if (typeof f?.file !== "string" || !Array.isArray(f.diagnostics)) fail(`${source}: files[${i}] has no file or diagnostics`);
    f.diagnostics.forEach((d, k) => {
      const ok =
        typeof d?.code === "string" &&
        typeof d.message === "string" &&
        (d.severity === "error" || d.severity === "warning") &&
        Number.isInteger(d.range?.start?.line);
      if (!ok) fail(`${source}: files[${i}].diagnostics[${k}] is not a diagnostic`);
    });
  });
  return doc;
}

/** Code Climate issues: the fingerprint is stable while the finding stays (code, file, message, n-th occurrence). */
function toCodeQuality(report) {
  const seen = new Map();
  const issues = [];
  for (const f of report.files) {
    for (const d of f.diagnostics) {
      const key = `${d.code}\0${f.file}\0${d.message}`;
      const n = (seen.get(key) ?? 0) + 1;
      seen.set(key, n);
      issues.push({
        type: "issue",
        check_name: d.code,
        description: d.hint ? `${d.code}: ${d.message} (help: ${d.hint})` : `${d.code}: ${d.message}`,
        categories: ["Bug Risk"],
        severity: d.severity === "error" ? "major" : "minor",
        fingerprint: createHash("sha256").update(`${key}\0${n}`).digest("hex"),
        location: { path: f.file, lines: { begin: d.range.start.line } },
      });
    }
  }
  return issues;
}

const file = process.argv[2];
let text;
try {
  text = readFileSync(file ?? 0, "utf8");
} catch (e) {
  fail(`cannot read ${file ?? "stdin"}: ${e.message}`);
}
process.stdout.write(`${JSON.stringify(toCodeQuality(readReport(text, file ?? "stdin")), null, 2)}\n`);
