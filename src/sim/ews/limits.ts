/** Exchange's EWSMaxConcurrency default (2013 and later): connections one account may hold open. */
export const DEFAULT_MAX_CONCURRENCY = 27;

/** How long a throttled caller is told to wait when no fault rule says otherwise. */
export const DEFAULT_BACKOFF_MS = 1000;

/** EWSFindCountLimit with a restriction: FindItem never returns more items than this per page. */
export const FIND_COUNT_LIMIT_WITH_RESTRICTION = 250;

/** EWSFindCountLimit without a restriction. */
export const FIND_COUNT_LIMIT = 1000;

/** In-flight requests per caller, for EWSMaxConcurrency. */
export class ConcurrencyLimiter {
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /** Takes a slot, or returns false when the caller already holds every one. */
  tryAcquire(caller: string): boolean {
    const current = this.inFlight.get(caller) ?? 0;
    if (current >= this.limit) return false;
    this.inFlight.set(caller, current + 1);
    return true;
  }

  release(caller: string): void {
    const remaining = (this.inFlight.get(caller) ?? 1) - 1;
    if (remaining > 0) this.inFlight.set(caller, remaining);
    else this.inFlight.delete(caller);
  }
}
