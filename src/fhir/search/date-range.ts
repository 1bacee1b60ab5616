/**
 * FHIR date/dateTime/instant values as inclusive epoch-ms ranges from their precision: "2024" covers the whole
 * year, "2024-03-05T10:00Z" the whole minute. A value without a time zone (dates, and dateTimes that omit it)
 * is read as UTC: a date has no zone in FHIR, and UTC keeps the index independent of the server's location.
 */
const DATE_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

export interface DateRange {
  low: number;
  high: number;
}

/** Returns undefined when the text is not a valid FHIR date, dateTime or instant. */
export function parseDateRange(text: string): DateRange | undefined {
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  const year = +m[1];
  const month = m[2] === undefined ? undefined : +m[2];
  const day = m[3] === undefined ? undefined : +m[3];
  if (month !== undefined && (month < 1 || month > 12)) return undefined;
  if (month === undefined) return { low: utc(year, 0, 1), high: utc(year + 1, 0, 1) - 1 };
  if (day === undefined) return { low: utc(year, month - 1, 1), high: utc(year, month, 1) - 1 };
  if (day < 1 || day > daysIn(year, month)) return undefined;
  if (m[4] === undefined) return { low: utc(year, month - 1, day), high: utc(year, month - 1, day + 1) - 1 };
  const hour = +m[4];
  const minute = +m[5];
  const second = m[6] === undefined ? undefined : +m[6];
  if (hour > 23 || minute > 59 || (second !== undefined && second > 59)) return undefined;
  let offset = 0;
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const oh = +zone.slice(1, 3);
    const om = +zone.slice(4, 6);
    if (oh > 14 || om > 59) return undefined;
    offset = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om) * 60000;
  }
  const fraction = m[7];
  const ms = fraction === undefined ? 0 : Math.floor(+fraction.padEnd(3, '0').slice(0, 3));
  const low = utc(year, month - 1, day, hour, minute, second ?? 0, ms) - offset;
  let span: number;
  if (second === undefined) span = 60000;
  else if (fraction === undefined) span = 1000;
  else span = fraction.length >= 3 ? 1 : 10 ** (3 - fraction.length);
  return { low, high: low + span - 1 };
}

function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(y, mo, d);
  date.setUTCHours(h, mi, s, ms);
  return date.getTime();
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
