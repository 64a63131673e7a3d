/**
 * TAP's rules for the time a SIEM request covers: exactly one of `interval` (ISO 8601
 * `start/end`, 30 seconds to 1 hour), `sinceSeconds` (at most 3600) or `sinceTime` (up to the
 * server's time rounded down to the minute, at most an hour before it); nothing older than 7 days.
 */
const HOUR = 3600_000;
const MAX_AGE = 7 * 24 * HOUR;

export type Window = { ok: true; start: number; end: number } | { ok: false; message: string };

export function requestedWindow(query: { interval?: string; sinceSeconds?: string; sinceTime?: string }, now: number): Window {
  const given = [query.interval, query.sinceSeconds, query.sinceTime].filter((v) => v !== undefined);
  if (given.length !== 1) return { ok: false, message: 'Exactly one of interval, sinceSeconds or sinceTime must be given.' };
  const serverTime = Math.floor(now / 60_000) * 60_000;
  let start: number;
  let end = serverTime;
  if (query.interval !== undefined) {
    const [from, to] = query.interval.split('/');
    start = Date.parse(from ?? '');
    end = Date.parse(to ?? '');
    if (Number.isNaN(start) || Number.isNaN(end)) return { ok: false, message: 'The interval parameter is not a valid ISO 8601 interval.' };
    if (end - start < 30_000) return { ok: false, message: 'The requested interval is too short: the minimum is 30 seconds.' };
  } else if (query.sinceSeconds !== undefined) {
    const seconds = Number(query.sinceSeconds);
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) return { ok: false, message: 'sinceSeconds must be an integer from 1 to 3600.' };
    start = serverTime - seconds * 1000;
  } else {
    start = Date.parse(query.sinceTime!);
    if (Number.isNaN(start)) return { ok: false, message: 'The sinceTime parameter is not a valid ISO 8601 date.' };
  }
  if (end - start > HOUR) return { ok: false, message: 'The requested interval is too long: at most one hour of data can be requested.' };
  if (start < now - MAX_AGE) return { ok: false, message: 'The requested start time is too far into the past: at most 7 days.' };
  return { ok: true, start, end };
}
