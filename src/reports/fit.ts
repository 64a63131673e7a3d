import type { ParsedReport, ReportedOriginal } from '../domain/report.js';

/** What a parsed report may weigh as an activity result: far below Temporal's 2 MB payload limit. */
export const MAX_PARSED_REPORT_BYTES = 256 * 1024;
/** A URL longer than this is cut: no verdict needs more, and a hostile report could send megabytes. */
const MAX_URL_CHARS = 2048;
/** Header values as long as RFC 5322 allows a line to be; addresses as long as SMTP allows. */
const MAX_TEXT_CHARS = 998;
const MAX_ADDRESS_CHARS = 320;
const MAX_PROBLEMS = 50;

const weight = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

const clip = (text: string, max: number) => (text.length > max ? text.slice(0, max) : text);

/** The original with every field within its bound; `cut` counts what was shortened. */
function bounded(original: ReportedOriginal, cut: { count: number }): ReportedOriginal {
  const text = (value: string, max: number) => {
    if (value.length > max) cut.count++;
    return clip(value, max);
  };
  const optional = (key: 'messageId' | 'from' | 'returnPath' | 'subject' | 'date', max: number) =>
    original[key] === undefined ? {} : { [key]: text(original[key]!, max) };
  return {
    ...original,
    ...optional('messageId', MAX_TEXT_CHARS),
    ...optional('from', MAX_ADDRESS_CHARS),
    ...optional('returnPath', MAX_ADDRESS_CHARS),
    ...optional('subject', MAX_TEXT_CHARS),
    ...optional('date', 64),
    replyTo: original.replyTo.map((a) => text(a, MAX_ADDRESS_CHARS)),
    to: original.to.map((a) => text(a, MAX_ADDRESS_CHARS)),
    urls: original.urls.map((u) => ({ url: text(u.url, MAX_URL_CHARS), ...(u.wrapped === undefined ? {} : { wrapped: text(u.wrapped, MAX_URL_CHARS) }) })),
    attachments: original.attachments.map((a) => ({ ...a, ...(a.filename === undefined ? {} : { filename: text(a.filename, 255) }) })),
  };
}

/**
 * The report cut down to fit a workflow's history: every text within its bound, then the last half
 * of the heaviest list (URLs, recipients, Reply-To, attachments) of the heaviest original dropped
 * until it fits, each cut said in `problems`. Originals themselves are kept, since each is a
 * message someone reported.
 */
export function fitReport(report: ParsedReport, maxBytes = MAX_PARSED_REPORT_BYTES): ParsedReport {
  const cut = { count: 0 };
  const originals = report.originals.map((original) => bounded(original, cut));
  const problems = report.problems.map((p) => clip(p, MAX_TEXT_CHARS));
  const fitted: ParsedReport = {
    ...report,
    ...(report.subject === undefined ? {} : { subject: clip(report.subject, MAX_TEXT_CHARS) }),
    ...(report.reporter === undefined ? {} : { reporter: clip(report.reporter, MAX_ADDRESS_CHARS) }),
    ...(report.messageId === undefined ? {} : { messageId: clip(report.messageId, MAX_TEXT_CHARS) }),
    originals,
    problems: problems.length > MAX_PROBLEMS ? [...problems.slice(0, MAX_PROBLEMS), `report: ${problems.length - MAX_PROBLEMS} further problem(s) left out`] : problems,
  };
  if (cut.count > 0) fitted.problems.push(`report: ${cut.count} over-long value(s) (URLs, addresses, subjects) were cut`);
  let dropped = 0;
  while (weight(fitted) > maxBytes) {
    const lists = fitted.originals.flatMap((o) => [o.urls, o.to, o.replyTo, o.attachments] as unknown[][]).filter((list) => list.length > 0);
    if (lists.length === 0) break;
    const heaviest = lists.reduce((a, b) => (weight(a) >= weight(b) ? a : b));
    heaviest.splice(Math.floor(heaviest.length / 2));
    dropped++;
  }
  if (dropped > 0) fitted.problems.push(`report: URLs, recipients or attachments dropped to keep the parsed report under ${maxBytes} bytes`);
  return fitted;
}
