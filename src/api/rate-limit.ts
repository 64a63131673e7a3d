/** Sustained rate and burst of one bucket. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

/** `ok`, or how long until the next request would be let through. */
export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Token buckets by key (one per source): a burst is absorbed at once, then requests flow at the
 * sustained rate. In memory and per API process, which is what a flood from one source needs.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  take(key: string, limit: RateLimit): Admission {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: limit.burst, at: now };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * limit.perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / limit.perSecond)) };
  }
}
