import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * `pnpm docs:api` (TypeDoc over each library package's entry point, typedoc.json)
 * documents every package, and every name a package README's example imports
 * is in that package's reference: the README, the public API and the reference
 * cannot drift apart.
 */
const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const PACKAGES = ["dsl", "core", "store", "ibkr", "live", "postgres", "queue", "lsp"];

interface Reflection {
  readonly name: string;
  readonly children?: readonly Reflection[];
}

let dir: string;
let modules: Map<string, Set<string>>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "tradeplan-api-"));
  const out = join(dir, "api.json");
  execFileSync(join(ROOT, "node_modules", ".bin", "typedoc"), ["--json", out, "--logLevel", "Error"], {
    cwd: ROOT,
    stdio: "pipe",
  });
  const project = JSON.parse(readFileSync(out, "utf8")) as Reflection;
  modules = new Map((project.children ?? []).map((m) => [m.name, new Set((m.children ?? []).map((c) => c.name))]));
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `import { a, type B } from "@tradeplan/x"` in the README's code blocks: package → names. */
function readmeImports(pkg: string): Map<string, string[]> {
  const text = readFileSync(join(ROOT, "packages", pkg, "README.md"), "utf8");
  const out = new Map<string, string[]>();
  for (const block of text.matchAll(/```(?:js|ts|javascript|typescript)\n([\s\S]*?)```/g)) {
    for (const m of (block[1] as string).matchAll(
      /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*"(@tradeplan\/[a-z]+)"/g,
    )) {
      const names = (m[1] as string)
        .split(",")
        .map(
          (s) =>
            s
              .trim()
              .replace(/^type\s+/, "")
              .split(/\s+as\s+/)[0] as string,
        )
        .filter((s) => s.length > 0);
      out.set(m[2] as string, [...(out.get(m[2] as string) ?? []), ...names]);
    }
  }
  return out;
}

describe("the API reference (TypeDoc)", () => {
  it("documents each library package under its npm name", () => {
    expect([...modules.keys()].sort()).toEqual(PACKAGES.map((p) => `@tradeplan/${p}`).sort());
    for (const p of PACKAGES) expect(modules.get(`@tradeplan/${p}`)?.size ?? 0, p).toBeGreaterThan(0);
  });

  for (const pkg of ["core", "store", "ibkr", "live", "postgres", "queue"]) {
    it(`has every name packages/${pkg}/README.md's example imports`, () => {
      const imports = readmeImports(pkg);
      expect(imports.size, "the README has an example importing a package").toBeGreaterThan(0);
      const missing = [...imports].flatMap(([mod, names]) =>
        names.filter((n) => !modules.get(mod)?.has(n)).map((n) => `${mod}: ${n}`),
      );
      expect(missing).toEqual([]);
    });
  }
});
