import { z } from "zod";
import { parseHhMm, parseIsoDate } from "./civil.js";

const hhmm = z.string().refine((s) => parseHhMm(s) !== undefined, { message: "expected HH:MM (00:00-24:00)" });
const isoDate = z.string().refine((s) => parseIsoDate(s) !== undefined, { message: "expected a YYYY-MM-DD date" });
const monthDay = z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, "expected MM-DD");
/** `MM-DD` (closes at the table's `earlyClose`) or `MM-DD HH:MM` (closes at that time). */
const earlyDay = z.string().regex(/^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])( ([01]\d|2[0-4]):[0-5]\d)?$/, {
  message: "expected MM-DD or MM-DD HH:MM",
});

/**
 * Hours from a date on (until the next period's `from`). `open` after
 * `close` means the session opens the evening before its trade date (CME
 * Globex: 17:00 the day before to 16:00).
 */
const HoursPeriodSchema = z
  .object({
    from: isoDate,
    regular: z.tuple([hhmm, hhmm]),
    /** Pre- and post-market hours around `regular`, where the exchange has them. */
    extended: z.tuple([hhmm, hhmm]).optional(),
    /** Where the period's hours come from (a circular, a press release). */
    source: z.string().min(1),
  })
  .strict();

/**
 * One exchange's calendar as data: the years it covers, its hours by period,
 * and per year the full-day closures and early closes (holidays and ad-hoc
 * days alike), as the exchange published them. docs/calendars.md says where
 * each table comes from.
 */
export const ExchangeTableSchema = z
  .object({
    /** ISO 10383 market identifier, e.g. `XNYS`. */
    id: z.string().regex(/^[A-Z]{4}$/),
    name: z.string().min(1),
    zone: z.string().min(1),
    firstYear: z.number().int(),
    lastYear: z.number().int(),
    /** ISO weekdays with a trade date, 1 = Monday ... 7 = Sunday. */
    weekdays: z.array(z.number().int().min(1).max(7)).min(1),
    hours: z.array(HoursPeriodSchema).min(1),
    /** Close of a `MM-DD` early-close day that names no time. */
    earlyClose: hhmm,
    /** Close of the extended session on an early-close day. */
    extendedEarlyClose: hhmm.optional(),
    days: z.record(
      z.string().regex(/^\d{4}$/),
      z.object({ closed: z.array(monthDay), early: z.array(earlyDay) }).strict(),
    ),
  })
  .strict()
  .superRefine((t, ctx) => {
    if (t.firstYear > t.lastYear) ctx.addIssue({ code: "custom", message: "firstYear is after lastYear" });
    for (let y = t.firstYear; y <= t.lastYear; y++)
      if (t.days[String(y)] === undefined)
        ctx.addIssue({ code: "custom", path: ["days", String(y)], message: "a covered year has no entry" });
    if (t.hours[0]?.from !== `${t.firstYear}-01-01`)
      ctx.addIssue({ code: "custom", path: ["hours", 0, "from"], message: "the first period must start on 1 January" });
    for (let i = 1; i < t.hours.length; i++)
      if ((t.hours[i]?.from ?? "") <= (t.hours[i - 1]?.from ?? ""))
        ctx.addIssue({ code: "custom", path: ["hours", i, "from"], message: "periods must be in date order" });
  });

export type ExchangeTable = z.input<typeof ExchangeTableSchema>;
