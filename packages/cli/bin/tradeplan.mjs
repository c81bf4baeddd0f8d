#!/usr/bin/env node
// The `tradeplan` command: the CLI built to dist/ (`pnpm build` in the workspace; shipped built in the package).
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(
    `error: tradeplan needs Node.js 20.19 or newer (this is ${process.version}); install a newer Node.js\n`,
  );
  process.exit(2);
}
const args = process.argv.slice(2);
try {
  if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
    // What the program's own --version prints, without loading the program (start-up: docs/architecture.md).
    const { VERSION } = await import("../dist/version.js");
    process.stdout.write(`${VERSION}\n`);
  } else {
    await import("../dist/bin.js");
  }
} catch (e) {
  if (e?.code === "ERR_MODULE_NOT_FOUND" && /[\\/]dist[\\/](bin|version)\.js/.test(String(e.message))) {
    const installed = import.meta.url.includes("/node_modules/");
    process.stderr.write(
      installed
        ? "error: this tradeplan installation is incomplete (no dist/bin.js): reinstall @tradeplan/cli\n"
        : "error: the CLI is not built (no dist/bin.js); run `pnpm build` in the workspace\n",
    );
    process.exit(2);
  }
  throw e;
}
