import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The packages and the one-way graph between them (docs/architecture.md).
 * A package's sources may import only the packages listed here, each also
 * declared in its package.json; `browser` packages import no Node module
 * and none of the Node-only libraries, so they run in a browser or a worker.
 */
const GRAPH: Record<string, { readonly deps: readonly string[]; readonly browser: boolean }> = {
  dsl: { deps: [], browser: true },
  core: { deps: ["dsl"], browser: true },
  store: { deps: ["core", "dsl", "postgres"], browser: false },
  ibkr: { deps: ["core"], browser: false },
  live: { deps: ["core", "dsl", "store", "ibkr"], browser: false },
  postgres: { deps: [], browser: true },
  queue: { deps: ["core", "dsl", "postgres"], browser: false },
  lsp: { deps: ["dsl"], browser: false },
  cli: { deps: ["core", "dsl", "store", "ibkr", "live", "queue", "lsp"], browser: false },
  playground: { deps: ["core", "dsl", "lsp"], browser: true },
};
/** Libraries that need Node (native code, sockets, process streams). */
const NODE_ONLY_LIBRARIES = ["better-sqlite3", "@stoqey/ib", "pino", "prom-client", "pg", "pg-boss"];
/** The language server's and the playground's own Node entries (the rest of each runs in a browser). */
const NODE_ENTRY_FILES = new Set(["lsp/src/node.ts", "lsp/src/main.ts"]);

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const PACKAGES = join(ROOT, "packages");
const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" || e.name === "dist" ? [] : sources(path);
    return /\.(ts|tsx|mts)$/.test(e.name) && !e.name.endsWith(".d.ts") ? [path] : [];
  });
}

/** The subpaths a package's `exports` makes public (`./browser`). */
function exportedSubpaths(pkg: string): Set<string> {
  const manifest = JSON.parse(readFileSync(join(PACKAGES, pkg, "package.json"), "utf8")) as { exports?: unknown };
  const exp = manifest.exports;
  return new Set(exp !== null && typeof exp === "object" ? Object.keys(exp) : []);
}

/** Every module specifier a file imports or re-exports, statically or with `import()`. */
function specifiersOf(text: string): string[] {
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;
  for (const m of text.matchAll(re)) out.push(m[1] as string);
  return out;
}

/** What is wrong with one import of a file of package `pkg`, or undefined. */
function offence(pkg: string, file: string, spec: string, declared: ReadonlySet<string>): string | undefined {
  const rule = GRAPH[pkg];
  if (rule === undefined) return undefined;
  if (spec.startsWith(".")) {
    const target = resolve(dirname(file), spec);
    const own = join(PACKAGES, pkg);
    const inOther = target.startsWith(`${PACKAGES}/`) && !target.startsWith(`${own}/`);
    return inOther ? `reaches into another package's files: ${spec}` : undefined;
  }
  const tradeplan = /^@tradeplan\/([^/]+)(\/.*)?$/.exec(spec);
  if (tradeplan) {
    const dep = tradeplan[1] as string;
    if (tradeplan[2] !== undefined && !exportedSubpaths(dep).has(`.${tradeplan[2]}`))
      return `deep import of @tradeplan/${dep} (use its public API): ${spec}`;
    if (!rule.deps.includes(dep))
      return `imports @tradeplan/${dep}, against the graph (${pkg} -> ${rule.deps.join(", ") || "nothing"})`;
    if (!declared.has(`@tradeplan/${dep}`)) return `imports ${spec} without declaring it in package.json`;
    return undefined;
  }
  const relativeFile = relative(PACKAGES, file);
  if (rule.browser && !NODE_ENTRY_FILES.has(relativeFile)) {
    if (NODE_BUILTINS.has(spec.split("/")[0] as string) || spec.startsWith("node:")) return `imports Node's ${spec}`;
    if (NODE_ONLY_LIBRARIES.some((l) => spec === l || spec.startsWith(`${l}/`))) return `imports the Node-only ${spec}`;
  }
  return undefined;
}

describe("the package graph", () => {
  for (const pkg of Object.keys(GRAPH)) {
    it(`${pkg}: its sources import only what the graph allows and its package.json declares`, () => {
      const manifest = JSON.parse(readFileSync(join(PACKAGES, pkg, "package.json"), "utf8")) as {
        dependencies?: Record<string, string>;
      };
      const declared = new Set(Object.keys(manifest.dependencies ?? {}));
      const found: string[] = [];
      for (const file of sources(join(PACKAGES, pkg, "src"))) {
        for (const spec of specifiersOf(readFileSync(file, "utf8"))) {
          const why = offence(pkg, file, spec, declared);
          if (why) found.push(`${relative(ROOT, file)}: ${why}`);
        }
      }
      expect(found).toEqual([]);
    });
  }

  it("catches what it is there to catch", () => {
    const core = join(PACKAGES, "core", "src", "engine", "x.ts");
    const deps = new Set(["@tradeplan/dsl"]);
    expect(offence("core", core, "node:fs", deps)).toMatch(/Node's node:fs/);
    expect(offence("core", core, "fs", deps)).toMatch(/Node's fs/);
    expect(offence("core", core, "better-sqlite3", deps)).toMatch(/Node-only/);
    expect(offence("core", core, "@tradeplan/live", deps)).toMatch(/against the graph/);
    expect(offence("core", core, "@tradeplan/dsl/src/ast.js", deps)).toMatch(/deep import/);
    expect(offence("core", core, "../../../live/src/index.js", deps)).toMatch(/another package's files/);
    expect(offence("core", core, "../models.js", deps)).toBeUndefined();
    expect(offence("core", core, "../../../../examples/plans/demo.plan?raw", deps)).toBeUndefined();
    expect(offence("live", join(PACKAGES, "live", "src", "a.ts"), "@tradeplan/core", new Set())).toMatch(
      /without declaring/,
    );
    expect(
      specifiersOf(`import a from "x";\nexport { b } from "y";\nconst c = await import("z");\nimport "w";`),
    ).toEqual(["x", "y", "z", "w"]);
  });
});
