import { type Diagnostic, LineIndex, type Span } from "@tradeplan/dsl";
import { type Document, isMap, isNode, isPair, isScalar, type Node, parseDocument } from "yaml";
import type { z } from "zod";
import { TEST_CODES } from "./codes.js";

/** A path into the YAML document (keys and list indices), as zod reports it. */
export type YamlPath = readonly PropertyKey[];

/** A parsed test file: its data, and a way back from a path to a place in the text. */
export interface YamlSource {
  readonly data: unknown;
  /** Diagnostics of the YAML syntax; when any, `data` must not be trusted. */
  readonly syntaxErrors: Diagnostic[];
  /** The span of the node at `path`, or of its nearest existing ancestor. */
  spanAt(path: YamlPath): Span;
  /** The span of the key `key` of the map at `path` (for unknown keys). */
  keySpanAt(path: YamlPath, key: string): Span;
}

/**
 * Parses YAML text, keeping node positions for messages with file:line:col.
 * Lines are counted by the dsl's `LineIndex`, the rule the code frames of
 * the test file use too.
 */
export function parseYamlSource(text: string): YamlSource {
  const doc: Document = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const lines = new LineIndex(text);
  const clamp = (offset: number) => Math.max(0, Math.min(offset, text.length));
  const span = (start: number, end: number): Span => lines.span(clamp(start), clamp(Math.max(end, start)));
  const nodeSpan = (n: Node | undefined): Span | undefined => {
    const r = n?.range;
    return r ? span(r[0], r[1]) : undefined;
  };
  const nodeAt = (path: YamlPath): Node | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as unknown[], true);
      if (isNode(node)) return node;
    }
    return undefined;
  };
  const whole = (): Span => nodeSpan(doc.contents ?? undefined) ?? span(0, 0);
  const syntaxErrors: Diagnostic[] = [...doc.errors].map((e) => ({
    code: TEST_CODES.yaml,
    severity: "error",
    message: `invalid YAML: ${firstLine(e.message)}`,
    span: span(e.pos[0], e.pos[1]),
    label: e.code.toLowerCase().replace(/_/g, " "),
  }));
  return {
    data: syntaxErrors.length === 0 ? doc.toJS() : undefined,
    syntaxErrors,
    spanAt: (path) => nodeSpan(nodeAt(path)) ?? whole(),
    keySpanAt(path, key) {
      const map = nodeAt(path);
      if (isMap(map)) {
        const pair = map.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
        const s = pair && isNode(pair.key) ? nodeSpan(pair.key) : undefined;
        if (s) return s;
      }
      return nodeSpan(map) ?? whole();
    },
  };
}

function firstLine(s: string): string {
  const line = s.split("\n")[0] ?? s;
  // yaml appends " at line L, column C"; the span already says where.
  return line.replace(/ at line \d+, column \d+:?$/, "");
}

/** A schema problem as a diagnostic at the offending node (the key itself for unknown keys). */
export function issueDiagnostics(
  source: YamlSource,
  base: YamlPath,
  value: unknown,
  issues: readonly z.core.$ZodIssue[],
): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        out.push({
          code: TEST_CODES.schema,
          severity: "error",
          message: `unknown key \`${key}\`${where(path)}`,
          span: source.keySpanAt(path, key),
          label: "not a known key",
        });
      }
      continue;
    }
    const missing = issue.code === "invalid_type" && isMissing(value, issue.path);
    out.push({
      code: TEST_CODES.schema,
      severity: "error",
      message: missing
        ? `missing \`${String(path[path.length - 1])}\`${where(path.slice(0, -1))}`
        : `\`${describePath(path)}\` ${issue.message}`,
      span: source.spanAt(path),
      ...(missing ? { hint: issue.message } : {}),
    });
  }
  return out;
}

/** Whether the last key of `path` is absent from its (existing) parent object. */
function isMissing(root: unknown, path: readonly PropertyKey[]): boolean {
  if (path.length === 0) return root === undefined;
  let cur: unknown = root;
  for (const p of path.slice(0, -1)) {
    if (cur === null || typeof cur !== "object") return false;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  const last = path[path.length - 1] as PropertyKey;
  return cur !== null && typeof cur === "object" && !Array.isArray(cur) && !(last in cur);
}

function where(path: YamlPath): string {
  return path.length === 0 ? " at the top level" : ` in \`${describePath(path)}\``;
}

/** `cases[2].expect.fires[0].rule`. */
export function describePath(path: YamlPath): string {
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s === "" ? String(p) : `.${String(p)}`;
  return s === "" ? "(file)" : s;
}

/** Validates `value` (found at `base`) against `schema`; diagnostics point into the YAML. */
export function validateAt<S extends z.ZodType>(
  source: YamlSource,
  base: YamlPath,
  schema: S,
  value: unknown,
): { ok: true; value: z.output<S> } | { ok: false; diagnostics: Diagnostic[] } {
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, diagnostics: issueDiagnostics(source, base, value, r.error.issues) };
}
