/**
 * Instants as a person in the exchange's zone reads them (`2024-03-01 09:35`),
 * the one formatter behind every time the CLI shows people (plan tests, the
 * run console). JSON and the journal keep UTC instants instead.
 */
export class LocalTime {
  private readonly format: Intl.DateTimeFormat;

  /** Throws a RangeError for an unknown zone. */
  constructor(readonly zone: string) {
    this.format = new Intl.DateTimeFormat("en-CA", {
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
  }

  private parts(time: number): Record<string, string> {
    const parts: Record<string, string> = {};
    for (const p of this.format.formatToParts(new Date(time))) parts[p.type] = p.value;
    return parts;
  }

  /** `2024-03-01 09:35` (seconds only when not zero). */
  dateTime(time: number): string {
    const p = this.parts(time);
    const secs = p.second && p.second !== "00" ? `:${p.second}` : "";
    return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}${secs}`;
  }

  /** `09:35:07`. */
  clock(time: number): string {
    const p = this.parts(time);
    return `${p.hour}:${p.minute}:${p.second}`;
  }
}
