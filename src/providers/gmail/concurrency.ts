import pLimit from 'p-limit';

/**
 * Gmail refuses too many concurrent requests for one user (an undocumented limit, well above
 * this): reads within one mailbox run at most this many at a time.
 */
export const PER_MAILBOX_CONCURRENCY = 8;

/** `map` with at most `limit` calls in flight, results in input order. */
export function mapConcurrently<T, R>(items: readonly T[], limit: number, map: (item: T, index: number) => Promise<R>): Promise<R[]> {
  return pLimit(limit).map(items, map);
}
