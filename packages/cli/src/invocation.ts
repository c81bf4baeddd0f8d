import { accessSync, constants, realpathSync } from "node:fs";
import { delimiter, join } from "node:path";
import { VERSION } from "./version.js";

/** The package users install; `npx` runs it by this name. */
export const CLI_PACKAGE = "@tradeplan/cli";

/** `npx --yes @tradeplan/cli@VERSION`: runs exactly this version of tradeplan without installing it. */
export function npxCommand(version: string = VERSION): string {
  return `npx --yes ${CLI_PACKAGE}@${version}`;
}

function realpath(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * How the user can run this same tradeplan again from a shell, for messages
 * such as `init`'s next steps: `tradeplan` when the PATH leads to this very
 * executable (a global install), the `npx` command when npx started it, the
 * workspace's `pnpm -s tradeplan` inside the repository, and otherwise the
 * executable's own path.
 */
export function commandPrefix(env: Readonly<Record<string, string | undefined>>, script: string | undefined): string {
  if (env.npm_command === "exec") return npxCommand();
  if (env.npm_lifecycle_event === "tradeplan") return "pnpm -s tradeplan";
  const self = script === undefined ? undefined : realpath(script);
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, "tradeplan");
    if (isExecutable(candidate) && self !== undefined && realpath(candidate) === self) return "tradeplan";
  }
  return script === undefined ? "tradeplan" : script.includes(" ") ? JSON.stringify(script) : script;
}
