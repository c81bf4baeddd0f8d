/** A snippet placeholder `${n:text}`. */
export function ph(n: number, text: string): string {
  return `\${${n}:${text}}`;
}

/** A snippet choice `${n|a,b|}`. */
export function choice(n: number, options: readonly string[]): string {
  return `\${${n}|${options.join(",")}|}`;
}

/** A literal `$` inside a snippet. */
export const DOLLAR = "\\$";

/**
 * A snippet as plain text for clients without snippet support: placeholders
 * become their default text, choices their first option, `\$` a `$`.
 */
export function fillSnippet(snippet: string): string {
  return snippet
    .replace(/\$\{\d+:([^}]*)\}/g, "$1")
    .replace(/\$\{\d+\|([^,|]*)[^}]*\}/g, "$1")
    .replace(/\\\$/g, "$");
}
