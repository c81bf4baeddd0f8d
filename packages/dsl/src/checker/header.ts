import type {
  MoneyLit,
  NumberLit,
  PercentLit,
  PlanDecl,
  PlanFile,
  RiskDecl,
  SessionDecl,
  SessionKind,
  Statement,
  TimeOfDay,
  TimezoneDecl,
} from "../ast.js";
import { CALENDARS, type CalendarInfo, calendarNames, findCalendar } from "../calendars.js";
import type { DiagnosticCollector } from "../diagnostics.js";
import type { PlanSettings } from "../semantic.js";
import { type CheckOptions, fileStem } from "./options.js";
import { didYouMean, suggestion } from "./suggest.js";
import { canonicalTimeZone, DEFAULT_TIMEZONE, suggestTimeZone } from "./timezone.js";
import { minutesOfDay } from "./windows.js";

/**
 * The plan header: `plan`, `symbol(s)`, `timezone`, `session` and `risk`
 * (E0104 E0105 E0305 E0307 E0308 E0501 E0502 E0503). Produces the plan settings.
 */

type Risk = { -readonly [K in keyof PlanSettings["risk"]]: PlanSettings["risk"][K] };

const HEADER_TYPES = new Set<Statement["type"]>(["PlanDecl", "SymbolDecl", "TimezoneDecl", "SessionDecl", "RiskDecl"]);

export function checkHeader(ast: PlanFile, diagnostics: DiagnosticCollector, options: CheckOptions): PlanSettings {
  const plans = ast.statements.filter((s): s is PlanDecl => s.type === "PlanDecl");
  checkPlanPlacement(ast, plans, diagnostics, options);
  reportRepeats(plans, "plan", diagnostics);
  reportRepeats(
    ast.statements.filter((s): s is TimezoneDecl => s.type === "TimezoneDecl"),
    "timezone",
    diagnostics,
  );
  const sessions = ast.statements.filter((s): s is SessionDecl => s.type === "SessionDecl");
  reportRepeats(sessions, "session", diagnostics);

  const tz = ast.statements.find((s): s is TimezoneDecl => s.type === "TimezoneDecl");
  const session: SessionKind = sessions[0]?.session ?? "regular";
  const { calendar, hours } = sessions[0] ? checkSession(sessions[0], diagnostics) : {};
  // A plan naming an exchange and no zone is in the exchange's zone.
  const timezone = tz ? checkTimezone(tz, diagnostics) : (calendar?.zone ?? DEFAULT_TIMEZONE);
  const symbols = checkSymbols(ast, diagnostics, options);
  const risk = checkRisk(ast, diagnostics);
  const name = plans[0]?.name.value ?? (options.fileName ? fileStem(options.fileName) : "");
  return {
    name: plans[0] || name !== "" ? name : "untitled",
    symbols,
    timezone,
    session,
    ...(calendar && calendar.id !== "XNYS" ? { calendar: calendar.id } : {}),
    ...(hours ? { hours } : {}),
    risk,
  };
}

function hhmm(t: TimeOfDay): string | undefined {
  const m = minutesOfDay(t);
  return m === undefined ? undefined : `${String(t.hour).padStart(2, "0")}:${String(t.minute).padStart(2, "0")}`;
}

/** The calendar a `session` names (E0307) and its fixed hours (E0308). */
function checkSession(
  decl: SessionDecl,
  diagnostics: DiagnosticCollector,
): { calendar?: CalendarInfo; hours?: { open: string; close: string } } {
  let calendar: CalendarInfo | undefined;
  if (decl.calendar) {
    const name = decl.calendar.value;
    calendar = findCalendar(name);
    const known = CALENDARS.map((c) => c.id).join(", ");
    if (!calendar) {
      const guess = didYouMean(name, calendarNames());
      diagnostics.error("E0307", decl.calendar.span, `unknown exchange calendar \`${name}\``, {
        label: "no calendar has this name",
        ...(guess ? suggestion(decl.calendar.span, `"${guess}"`, guess) : { hint: `use one of ${known}` }),
      });
    } else if (decl.session === "always" || decl.hours) {
      diagnostics.error(
        "E0307",
        decl.calendar.span,
        `\`session ${decl.hours ? "HH:MM-HH:MM" : "always"}\` takes no calendar`,
        {
          label: decl.hours ? "fixed hours have no exchange holidays" : "`always` trades every bar",
          hint: `write \`session regular "${calendar.id}"\` for the exchange's hours`,
        },
      );
      calendar = undefined;
    } else if (!calendar.sessions.includes(decl.session)) {
      diagnostics.error("E0307", decl.sessionSpan, `${calendar.id} has no ${decl.session} session`, {
        label: `${calendar.title}: ${calendar.sessions.join(", ")} only`,
        hint: `write \`session regular "${calendar.id}"\``,
      });
      calendar = undefined;
    }
  }
  if (!decl.hours) return calendar ? { calendar } : {};
  const open = hhmm(decl.hours.from);
  const close = hhmm(decl.hours.to);
  if (open === undefined || close === undefined || open >= close) {
    diagnostics.error(
      "E0308",
      decl.hours.span,
      `malformed session hours \`${decl.hours.from.raw}-${decl.hours.to.raw}\``,
      {
        label:
          open === undefined || close === undefined
            ? "times are HH:MM from 00:00 to 24:00"
            : "the open must come before the close on the same day",
        hint: "write the hours as `session 09:00-17:30` (open-close in the plan's time zone)",
      },
    );
    return {};
  }
  return { hours: { open, close } };
}

function checkPlanPlacement(
  ast: PlanFile,
  plans: PlanDecl[],
  diagnostics: DiagnosticCollector,
  options: CheckOptions,
): void {
  const firstHeader = ast.statements.find((s) => HEADER_TYPES.has(s.type));
  // A bare rule list (only lets and rules) gets its name and symbol from outside.
  if (!firstHeader) return;
  const first = ast.statements[0] as Statement;
  const plan = plans[0];
  if (!plan) {
    const stem = options.fileName ? fileStem(options.fileName) : "";
    const text = `plan "${stem || "my plan"}"\n`;
    const at = { start: first.span.start, end: first.span.start };
    diagnostics.error("E0104", firstHeader.span, "missing `plan` statement", {
      label: 'a plan with header statements starts with `plan "NAME"`',
      hint: `add \`${text.trim()}\` as the first line`,
      fix: { span: at, text, title: "Add a `plan` statement" },
    });
    return;
  }
  if (plan !== first) {
    diagnostics.error("E0104", plan.span, "`plan` must be the first statement", {
      label: "move this line to the top of the file",
      related: [{ span: first.span, message: "this statement comes before it" }],
    });
  }
}

function reportRepeats(
  decls: readonly { span: PlanDecl["span"] }[],
  word: string,
  diagnostics: DiagnosticCollector,
): void {
  const first = decls[0];
  for (const d of decls.slice(1)) {
    diagnostics.error("E0105", d.span, `\`${word}\` declared twice`, {
      label: "second declaration",
      hint: `keep one \`${word}\` statement`,
      ...(first ? { related: [{ span: first.span, message: `first \`${word}\` is here` }] } : {}),
    });
  }
}

function checkTimezone(tz: TimezoneDecl, diagnostics: DiagnosticCollector): string {
  const canonical = canonicalTimeZone(tz.zone.value);
  if (canonical) return canonical;
  const guess = suggestTimeZone(tz.zone.value);
  diagnostics.error("E0305", tz.zone.span, `unknown time zone \`${tz.zone.value}\``, {
    label: "not an IANA time zone",
    ...(guess
      ? suggestion(tz.zone.span, `"${guess}"`, guess)
      : { hint: "use an IANA zone name such as `America/New_York` or `Europe/Berlin`" }),
  });
  return DEFAULT_TIMEZONE;
}

function checkSymbols(ast: PlanFile, diagnostics: DiagnosticCollector, options: CheckOptions): string[] {
  const seen = new Map<string, { span: PlanDecl["span"] }>();
  const symbols: string[] = [];
  for (const s of ast.statements) {
    if (s.type !== "SymbolDecl") continue;
    for (const sym of s.symbols) {
      const name = sym.type === "Ident" ? sym.name : sym.value;
      // Tickers are case-insensitive at every broker: `aapl` and `AAPL` are one instrument.
      const key = name.toUpperCase();
      const prev = seen.get(key);
      if (prev) {
        diagnostics.error("E0502", sym.span, `symbol \`${name}\` listed twice`, {
          label: "already listed",
          hint: "remove the repeated symbol",
          related: [{ span: prev.span, message: "first listed here" }],
        });
        continue;
      }
      seen.set(key, sym);
      symbols.push(name);
    }
  }
  if (symbols.length > 0) return symbols;
  if (options.symbol) return [options.symbol];
  if (ast.statements.length > 0) {
    const plan = ast.statements.find((s) => s.type === "PlanDecl");
    const at = plan?.span ?? { start: ast.span.start, end: ast.span.start };
    diagnostics.error("E0501", at, "the plan trades no symbol", {
      label: "no `symbol` statement in this plan",
      hint: "add `symbol AAPL` (or `symbols AAPL, MSFT`), or pass `--symbol`",
    });
  }
  return [];
}

// ------------------------------------------------------------------ risk

type RiskValue = NumberLit | MoneyLit | PercentLit;

interface RiskSetting {
  readonly words: string;
  /** What the value looks like, for messages: "a number of shares". */
  readonly expects: string;
  /** Stores a valid value, or returns why it is invalid. */
  readonly apply: (d: RiskDecl, risk: Risk) => string | undefined;
}

function isWhole(v: RiskValue): boolean {
  return v.type === "Number" && Number.isInteger(v.value) && v.value > 0;
}

const RISK_SETTINGS: readonly RiskSetting[] = [
  {
    words: "max position",
    expects: "a whole number of shares, e.g. `500 shares`",
    apply: (d, risk) => {
      if (!isWhole(d.value)) return "must be a positive whole number of shares";
      risk.maxPositionShares = d.value.value;
      return undefined;
    },
  },
  {
    words: "max order value",
    expects: "an amount, e.g. `$50,000`",
    apply: (d, risk) => {
      if (d.value.type !== "Money" || d.shares || !(d.value.value > 0))
        return "must be a positive amount such as `$50,000`";
      risk.maxOrderValue = d.value.value;
      return undefined;
    },
  },
  {
    words: "max daily loss",
    expects: "an amount such as `$2,000` or a percent of equity such as `2%`",
    apply: (d, risk) => {
      if (d.shares) return "must be an amount or a percent of equity";
      if (d.value.type === "Money" && d.value.value > 0) {
        risk.maxDailyLoss = d.value.value;
        return undefined;
      }
      if (d.value.type === "Percent" && d.value.value > 0 && d.value.value <= 100) {
        risk.maxDailyLossPercent = d.value.value;
        return undefined;
      }
      return "must be a positive amount such as `$2,000` or a percent in (0, 100] such as `2%`";
    },
  },
  {
    words: "max orders per minute",
    expects: "a whole number, e.g. `10`",
    apply: (d, risk) => {
      if (!isWhole(d.value) || d.shares) return "must be a positive whole number";
      risk.maxOrdersPerMinute = d.value.value;
      return undefined;
    },
  },
];

function checkRisk(ast: PlanFile, diagnostics: DiagnosticCollector): Risk {
  const risk: Risk = {};
  const seen = new Map<string, RiskDecl>();
  for (const d of ast.statements) {
    if (d.type !== "RiskDecl") continue;
    const setting = RISK_SETTINGS.find((s) => s.words === d.setting);
    if (!setting) {
      const guess = didYouMean(
        d.setting,
        RISK_SETTINGS.map((s) => s.words),
      );
      diagnostics.error("E0503", d.settingSpan, `unknown risk setting \`${d.setting}\``, {
        label: "not a risk setting",
        ...(guess
          ? suggestion(d.settingSpan, guess)
          : { hint: `risk settings are ${RISK_SETTINGS.map((s) => `\`${s.words}\``).join(", ")}` }),
      });
      continue;
    }
    const prev = seen.get(setting.words);
    if (prev) {
      diagnostics.error("E0503", d.settingSpan, `risk setting \`${setting.words}\` given twice`, {
        label: "second value",
        hint: "keep one value",
        related: [{ span: prev.settingSpan, message: "first given here" }],
      });
      continue;
    }
    seen.set(setting.words, d);
    // A literal the lexer already rejected (NaN) has its own diagnostic.
    if (Number.isNaN(d.value.value)) continue;
    const problem = setting.apply(d, risk);
    if (problem) {
      diagnostics.error(
        "E0503",
        d.value.span,
        `\`${setting.words}\` ${problem}, found \`${d.value.raw}${d.shares ? " shares" : ""}\``,
        {
          label: "invalid value",
          hint: `write ${setting.expects}`,
        },
      );
    }
  }
  return risk;
}
