import { readFile } from "node:fs/promises";
import { LineIndex } from "@tradeplan/dsl";
import { isMap, isNode, isPair, isScalar, parseDocument } from "yaml";
import type { z } from "zod";
import { ConfigError, type ConfigIssue } from "./errors.js";
import { type TradeplanConfig, TradeplanConfigSchema } from "./schema.js";

type YamlDoc = ReturnType<typeof parseDocument>;

/** Where a zod path points in the document: the key of the deepest existing node on the path. */
function locate(doc: YamlDoc, path: readonly PropertyKey[], unknownKey?: string): number | undefined {
  let node: unknown = doc.contents;
  let offset = rangeStart(node);
  for (const part of path) {
    if (!isMap(node)) break;
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part));
    if (!pair) break;
    offset = rangeStart(pair.key) ?? offset;
    node = pair.value;
    // The value's position is better than the key's for a wrong type, unless the value is a nested map.
    if (isScalar(node)) offset = rangeStart(node) ?? offset;
  }
  if (unknownKey !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === unknownKey);
    if (pair) offset = rangeStart(pair.key) ?? offset;
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  return isNode(node) && node.range ? node.range[0] : undefined;
}

/** zod issues as {@link ConfigIssue}s; an unknown-keys issue becomes one issue per key, at that key. */
function issuesOf(error: z.ZodError, doc: YamlDoc, lines: LineIndex): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const at = (path: readonly PropertyKey[], message: string, key?: string) => {
    const offset = locate(doc, path, key);
    const pos = offset === undefined ? undefined : lines.position(offset);
    const full = key === undefined ? path : [...path, key];
    out.push({
      path: full.length > 0 ? full.map(String).join(".") : "(root)",
      line: pos?.line ?? 0,
      column: pos?.column ?? 0,
      message,
    });
  };
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) at(issue.path, "unknown key (check the spelling and the section it is in)", key);
    } else at(issue.path, issue.message);
  }
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}

/**
 * Parses and validates `tradeplan.yaml` text. YAML errors (syntax,
 * duplicate keys) throw `CONFIG_YAML`, schema errors (unknown key, wrong
 * type, value out of range) `CONFIG_INVALID`; both list every problem with
 * its line and column in `file`.
 */
export function parseTradeplanConfig(text: string, file = "tradeplan.yaml"): TradeplanConfig {
  // Lines are counted by the one rule of the dsl's LineIndex.
  const lines = new LineIndex(text);
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      "CONFIG_YAML",
      file,
      doc.errors.map((e) => {
        const pos = lines.position(e.pos[0]);
        return { path: "(root)", line: pos.line, column: pos.column, message: e.message.split("\n")[0] ?? e.message };
      }),
    );
  }
  // An empty file is an empty config: every default applies.
  const value = doc.toJS({ maxAliasCount: 100 }) ?? {};
  const r = TradeplanConfigSchema.safeParse(value);
  if (r.success) return r.data;
  throw new ConfigError("CONFIG_INVALID", file, issuesOf(r.error, doc, lines));
}

/**
 * A `CONFIG_INVALID` error for problems found after the schema (a check
 * against the plan, such as `instruments:` naming a symbol it does not
 * trade), each at the line of its key path in `text`.
 */
export function configIssuesError(
  text: string,
  file: string,
  problems: readonly { readonly path: readonly (string | number)[]; readonly message: string }[],
): ConfigError {
  const lines = new LineIndex(text);
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const issues = problems.map((p): ConfigIssue => {
    const offset = locate(doc, p.path);
    const pos = offset === undefined ? undefined : lines.position(offset);
    return {
      path: p.path.length > 0 ? p.path.map(String).join(".") : "(root)",
      line: pos?.line ?? 0,
      column: pos?.column ?? 0,
      message: p.message,
    };
  });
  return new ConfigError("CONFIG_INVALID", file, issues);
}

/** Reads and parses a config file; `CONFIG_IO` when it cannot be read. */
export async function loadTradeplanConfig(path: string, shownAs = path): Promise<TradeplanConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const why = code === "ENOENT" ? "no such file" : e instanceof Error ? e.message : String(e);
    throw new ConfigError("CONFIG_IO", shownAs, [
      { path: "(root)", line: 0, column: 0, message: `cannot read: ${why}` },
    ]);
  }
  return parseTradeplanConfig(text, shownAs);
}
