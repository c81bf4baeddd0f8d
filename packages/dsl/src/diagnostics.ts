import type { Span } from "./ast.js";

export type Severity = "error" | "warning";

/** A secondary location shown under the main one (e.g. where a name was first defined). */
export interface RelatedInfo {
  readonly span: Span;
  readonly message: string;
}

/** A machine-applicable fix: replace `span` with `text`. Used by `did you mean` and LSP code actions. */
export interface Fix {
  readonly span: Span;
  readonly text: string;
  readonly title: string;
}

/**
 * One problem in a plan. Codes are stable (see `codes.ts`); `E` codes are
 * errors, `W` codes warnings.
 */
export interface Diagnostic {
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
  readonly span: Span;
  /** Short label printed under the carets. */
  readonly label?: string;
  /** A `help:` line: what to do about it. */
  readonly hint?: string;
  readonly fix?: Fix;
  readonly related?: readonly RelatedInfo[];
}

/** The most diagnostics kept for one file; past it a single E0004 says how many were dropped. */
export const MAX_DIAGNOSTICS = 200;

/**
 * Collects diagnostics from every pass. Passes report here and never throw,
 * so one run shows every problem in the file.
 */
export class DiagnosticCollector {
  private readonly items: Diagnostic[] = [];
  private dropped = 0;

  report(d: Diagnostic): void {
    if (this.items.length >= MAX_DIAGNOSTICS) {
      this.dropped++;
      return;
    }
    this.items.push(d);
  }

  error(
    code: string,
    span: Span,
    message: string,
    extra: Partial<Omit<Diagnostic, "code" | "span" | "message" | "severity">> = {},
  ): void {
    this.report({ code, severity: "error", span, message, ...extra });
  }

  warning(
    code: string,
    span: Span,
    message: string,
    extra: Partial<Omit<Diagnostic, "code" | "span" | "message" | "severity">> = {},
  ): void {
    this.report({ code, severity: "warning", span, message, ...extra });
  }

  /** True once the cap is reached: passes may stop early, as nothing more would be shown. */
  get isFull(): boolean {
    return this.items.length >= MAX_DIAGNOSTICS;
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === "error");
  }

  /** Diagnostics sorted by position (stable for equal positions), plus the overflow note if any. */
  toArray(): Diagnostic[] {
    const sorted = this.items
      .map((d, i) => ({ d, i }))
      .sort((a, b) => a.d.span.start.offset - b.d.span.start.offset || a.i - b.i)
      .map((x) => x.d);
    if (this.dropped > 0) {
      const last = sorted[sorted.length - 1];
      if (last) {
        sorted.push({
          code: "E0004",
          severity: "error",
          span: last.span,
          message: `too many problems: ${this.dropped} more not shown, and checking stopped there`,
          hint: "fix the problems above and check again",
        });
      }
    }
    return sorted;
  }
}

export function errorCount(ds: readonly Diagnostic[]): number {
  return ds.filter((d) => d.severity === "error").length;
}

export function warningCount(ds: readonly Diagnostic[]): number {
  return ds.filter((d) => d.severity === "warning").length;
}
