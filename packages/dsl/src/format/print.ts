import type * as A from "../ast.js";

/**
 * Prints AST nodes in the canonical layout: single spaces, lower-case
 * keywords, literals exactly as the user wrote them (`raw`), and parentheses
 * only where the source had them (`Paren` nodes). The printer never adds
 * parentheses of its own: a tree that came from the parser prints back to
 * tokens in the same order, so re-parsing the text rebuilds the same tree.
 */

/** A string literal with `"` and `\` escaped, the only escapes the lexer knows. */
export function printString(s: A.StringLit): string {
  return `"${s.value.replace(/[\\"]/g, (ch) => `\\${ch}`)}"`;
}

const COMPARE_TEXT: Record<A.CompareOp, string> = {
  ">": ">",
  ">=": ">=",
  "<": "<",
  "<=": "<=",
  "==": "==",
  "!=": "!=",
};

/** One expression, as it would be written on a single line. */
export function printExpr(e: A.Expr): string {
  switch (e.type) {
    case "Number":
    case "Percent":
    case "Money":
      return e.raw;
    case "Bool":
      return e.value ? "true" : "false";
    case "Field":
      return e.field;
    case "Name":
      return e.name;
    case "Call":
      return `${e.callee.name}(${e.args.map(printExpr).join(", ")})`;
    case "Index":
      return `${printExpr(e.target)}[${e.negative ? "-" : ""}${e.index.raw}]`;
    case "Of":
      return `${printExpr(e.target)} of ${e.timeframe.raw}`;
    case "Binary":
      return `${printExpr(e.left)} ${e.op} ${printExpr(e.right)}`;
    case "Unary":
      return e.op === "not" ? `not ${printExpr(e.operand)}` : `-${printExpr(e.operand)}`;
    case "Compare":
      return `${printExpr(e.left)} ${e.word ?? COMPARE_TEXT[e.op]} ${printExpr(e.right)}`;
    case "Cross":
      return `${printExpr(e.left)} crosses ${e.direction} ${printExpr(e.right)}`;
    case "Logical":
      return `${printExpr(e.left)} ${e.op} ${printExpr(e.right)}`;
    case "Paren":
      return `(${printExpr(e.inner)})`;
    case "ErrorExpr":
      // Only reachable for trees with syntax errors, which `format` refuses; kept total for hand-built trees.
      return "<error>";
  }
}

const ACTION_TEXT: Record<A.ActionKind, string> = {
  enter_long: "enter long",
  enter_short: "enter short",
  exit: "exit",
  exit_long: "exit long",
  exit_short: "exit short",
};

function printSize(s: A.SizeSpec): string {
  switch (s.type) {
    case "SizeShares":
      return `${s.shares.raw} shares`;
    case "SizeMoney":
      return s.amount.raw;
    case "SizeEquity":
      return `${s.percent.raw} of equity`;
  }
}

function printModifier(m: A.Modifier): string {
  switch (m.type) {
    case "Size":
      return `size ${printSize(m.size)}`;
    case "Confidence":
      return `confidence ${typeof m.level === "string" ? m.level : m.level.raw}`;
    case "Stop":
      return `stop ${printExpr(m.value)}`;
    case "Target":
      return `target ${printExpr(m.value)}`;
  }
}

function printConditionRule(r: A.ConditionRule): string {
  const parts = [`on ${r.timeframe.raw}`, printExpr(r.condition)];
  if (r.filter) parts.push(`with ${printExpr(r.filter)}`);
  if (r.window) parts.push(`between ${r.window.from.raw} and ${r.window.to.raw}`);
  parts.push(ACTION_TEXT[r.action.action]);
  for (const m of r.modifiers) parts.push(printModifier(m));
  return parts.join(" ");
}

/** One statement on one line, without its comment or line break. */
export function printStatement(s: A.Statement): string {
  switch (s.type) {
    case "PlanDecl":
      return `plan ${printString(s.name)}`;
    case "SymbolDecl":
      return `${s.plural ? "symbols" : "symbol"} ${s.symbols.map((x) => (x.type === "Ident" ? x.name : printString(x))).join(", ")}`;
    case "TimezoneDecl":
      return `timezone ${printString(s.zone)}`;
    case "SessionDecl":
      return `session ${s.hours ? `${s.hours.from.raw}-${s.hours.to.raw}` : s.session}${s.calendar ? ` ${printString(s.calendar)}` : ""}`;
    case "LetDecl":
      if (s.param) {
        const { min, max, step } = s.param;
        const range = `${printExpr(min)}..${printExpr(max)}${step ? ` step ${printExpr(step)}` : ""}`;
        return `param ${s.name.name} = ${printExpr(s.value)} in ${range}`;
      }
      return `let ${s.name.name} = ${printExpr(s.value)}`;
    case "RiskDecl":
      return `risk ${s.setting} ${s.value.raw}${s.shares ? " shares" : ""}`;
    case "ConditionRule":
      return printConditionRule(s);
    case "TrailingStopRule":
      return `on ${s.timeframe.raw} trailing stop ${printExpr(s.trail)}${s.activation ? ` activate at ${printExpr(s.activation)}` : ""}`;
  }
}

/**
 * A comment in canonical form: at least one space after `#` (added when
 * missing, as in `#note`) and no trailing blanks. Deeper indentation after
 * `#` is kept, since it is usually deliberate (a command or an aligned list
 * inside a comment), and so are runs of `#` (`## Section`) and `#!`.
 */
export function printComment(text: string): string {
  const body = text.replace(/\s+$/, "");
  if (body === "") return "#";
  if (/^[\s#!]/.test(body)) return `#${body}`;
  return `# ${body}`;
}
