import { setTimeout as sleep } from 'node:timers/promises';

/** Gmail's quota units per call (Google's published usage limits). */
export const GMAIL_UNITS = {
  'labels.list': 1,
  'labels.create': 5,
  'messages.list': 5,
  'messages.get': 5,
  'messages.modify': 5,
  'messages.batchModify': 50,
  'messages.untrash': 5,
  'messages.insert': 25,
  'threads.get': 10,
} as const;
export type GmailMethod = keyof typeof GMAIL_UNITS;

const WINDOW_MS = 60_000;

/**
 * Spends each user's per-minute units before Google would refuse them: a call waits until the
 * rolling minute has room for its cost. One limiter per process; a server's 429 still covers
 * other processes sharing the quota.
 */
export class UnitLimiter {
  private readonly spent = new Map<string, { at: number; units: number }[]>();

  constructor(
    private readonly unitsPerMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  async take(user: string, method: GmailMethod): Promise<void> {
    const cost = GMAIL_UNITS[method];
    for (;;) {
      const now = this.now();
      const entries = (this.spent.get(user) ?? []).filter((entry) => entry.at > now - WINDOW_MS);
      this.spent.set(user, entries);
      const used = entries.reduce((sum, entry) => sum + entry.units, 0);
      if (used + cost <= this.unitsPerMinute) {
        entries.push({ at: now, units: cost });
        return;
      }
      await sleep(this.waitFor(entries, used, cost, now));
    }
  }

  /** Until enough of the oldest charges leave the window. */
  private waitFor(entries: { at: number; units: number }[], used: number, cost: number, now: number): number {
    let remaining = used;
    for (const entry of entries) {
      remaining -= entry.units;
      if (remaining + cost <= this.unitsPerMinute) return Math.max(1, entry.at + WINDOW_MS - now);
    }
    return WINDOW_MS;
  }
}
