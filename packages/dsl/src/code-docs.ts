/**
 * Where the long form of each diagnostic code is read: one section per code
 * in `docs/diagnostics.md` on the project's repository (the `repository` of
 * every package.json), generated from the code table with an anchor per
 * code. SARIF's `helpUri`, the language server's `codeDescription` links
 * and the generated page all take their links and anchors from here.
 */

/** The diagnostics reference on the project's repository. */
export const DIAGNOSTICS_DOC_URL = "https://github.com/tradeplan/tradeplan/blob/main/docs/diagnostics.md";

/** The anchor of a code's section in the reference: `E0201` -> `e0201`. */
export function codeAnchor(code: string): string {
  return code.toLowerCase();
}

/** The link to a code's section: `…/diagnostics.md#e0201`, on `base` (a fork's or a pinned tag's page) if given. */
export function codeDocUrl(code: string, base: string = DIAGNOSTICS_DOC_URL): string {
  return `${base}#${codeAnchor(code)}`;
}
