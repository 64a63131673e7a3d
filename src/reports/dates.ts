/**
 * A date as a mail client wrote it (`Mon, 1 Dec 2026 10:00:00 +0100`, Outlook's
 * `Monday, December 1, 2026 10:00 AM`, Gmail's `Mon, 1 Dec 2026 at 10:00`) in ISO 8601, or
 * undefined when it cannot be read. Best effort: a date without a zone is taken as UTC (the
 * client wrote the reporter's local time, which the report does not tell), numeric dates are read
 * month first, and month names are understood in English only.
 */
export function looseDate(written: string): string | undefined {
  const cleaned = written
    .replace(/\s+at\s+/i, ' ')
    .replace(/\([^)]*\)/g, ' ')
    .trim();
  if (!FOUR_DIGIT_YEAR.test(cleaned)) return undefined;
  const time = Date.parse(NAMED_ZONE.test(cleaned) ? cleaned : `${cleaned} UTC`);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

// Without a year, the lenient parser turns stray numbers into dates of 2001.
const FOUR_DIGIT_YEAR = /\b\d{4}\b/;
const NAMED_ZONE = /[+-]\d{2}:?\d{2}\b|\b(UTC|GMT|UT|[ECMP][SD]T)\b|\d[zZ]$/;
