import type { ParsedReport } from '../domain/report.js';

/** What a parsed report may weigh as an activity result: far below Temporal's 2 MB payload limit. */
export const MAX_PARSED_REPORT_BYTES = 256 * 1024;
/** A URL longer than this is cut: no verdict needs more, and a hostile report could send megabytes. */
const MAX_URL_CHARS = 2048;

const weight = (report: ParsedReport) => Buffer.byteLength(JSON.stringify(report));

/**
 * The report cut down to fit a workflow's history: URLs shortened, then the last half of the
 * heaviest original's URLs (or attachments) dropped until it fits, each cut said in `problems`. Originals themselves are
 * kept, since each is a message someone reported.
 */
export function fitReport(report: ParsedReport, maxBytes = MAX_PARSED_REPORT_BYTES): ParsedReport {
  let cutUrls = 0;
  const originals = report.originals.map((original) => ({
    ...original,
    attachments: [...original.attachments],
    urls: original.urls.map((u) => {
      if (u.url.length <= MAX_URL_CHARS && (u.wrapped?.length ?? 0) <= MAX_URL_CHARS) return u;
      cutUrls++;
      return { url: u.url.slice(0, MAX_URL_CHARS), ...(u.wrapped ? { wrapped: u.wrapped.slice(0, MAX_URL_CHARS) } : {}) };
    }),
  }));
  const fitted: ParsedReport = { ...report, originals, problems: [...report.problems] };
  if (cutUrls > 0) fitted.problems.push(`report: ${cutUrls} URL(s) longer than ${MAX_URL_CHARS} characters were cut`);
  let dropped = 0;
  while (weight(fitted) > maxBytes) {
    const heaviest = fitted.originals.reduce<(typeof originals)[number] | undefined>((a, b) => (a && JSON.stringify(a).length >= JSON.stringify(b).length ? a : b), undefined);
    const list = heaviest?.urls.length ? heaviest.urls : heaviest?.attachments.length ? heaviest.attachments : undefined;
    if (!list) break;
    list.splice(Math.floor(list.length / 2));
    dropped++;
  }
  if (dropped > 0) fitted.problems.push(`report: URLs or attachments dropped to keep the parsed report under ${maxBytes} bytes`);
  if (weight(fitted) > maxBytes) fitted.problems.splice(50, Infinity, `report: further problems left out`);
  return fitted;
}
