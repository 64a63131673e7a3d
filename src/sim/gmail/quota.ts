/** The Gmail methods this face serves, as Google names them in its quota table. */
export type GmailMethod =
  | 'messages.list'
  | 'messages.get'
  | 'messages.insert'
  | 'messages.import'
  | 'messages.modify'
  | 'messages.batchModify'
  | 'messages.trash'
  | 'messages.untrash'
  | 'labels.list'
  | 'labels.get'
  | 'labels.create'
  | 'threads.get';

/** Quota units per call, from Google's published Gmail usage limits. */
export const GMAIL_METHOD_COSTS: Record<GmailMethod, number> = {
  'messages.list': 5,
  'messages.get': 5,
  'messages.insert': 25,
  'messages.import': 25,
  'messages.modify': 5,
  'messages.batchModify': 50,
  'messages.trash': 5,
  'messages.untrash': 5,
  'labels.list': 1,
  'labels.get': 1,
  'labels.create': 5,
  'threads.get': 10,
};

export interface QuotaOptions {
  /** Per user and per rolling minute; Google's default is 15,000. */
  unitsPerMinute: number;
  costs: Record<GmailMethod, number>;
  /** Google answers the per-user limit with either; clients must handle both. */
  status: 403 | 429;
}

export const DEFAULT_QUOTA: QuotaOptions = { unitsPerMinute: 15_000, costs: GMAIL_METHOD_COSTS, status: 429 };

const WINDOW_MS = 60_000;

/**
 * Units spent per user over a rolling minute. A refused call costs nothing, as with Google, so a
 * client that backs off for the Retry-After it was given gets through.
 */
export class QuotaLedger {
  private readonly spent = new Map<string, { at: number; units: number }[]>();

  /** `quota` is read on every charge, so limits changed at run time apply at once. */
  constructor(
    private readonly quota: () => QuotaOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** Charges the call to the user; when the minute's units are spent, says how long to wait instead. */
  charge(userKey: string, method: GmailMethod): { retryAfterMs: number } | undefined {
    const now = this.now();
    const options = this.quota();
    const entries = (this.spent.get(userKey) ?? []).filter((entry) => entry.at > now - WINDOW_MS);
    const cost = options.costs[method];
    let used = entries.reduce((sum, entry) => sum + entry.units, 0);
    if (used + cost > options.unitsPerMinute) {
      this.spent.set(userKey, entries);
      // The earliest moment enough older charges have left the window.
      for (const entry of entries) {
        used -= entry.units;
        if (used + cost <= options.unitsPerMinute) return { retryAfterMs: entry.at + WINDOW_MS - now };
      }
      return { retryAfterMs: WINDOW_MS };
    }
    entries.push({ at: now, units: cost });
    this.spent.set(userKey, entries);
    return undefined;
  }
}
