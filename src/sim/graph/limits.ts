/** Outlook's per app+mailbox limits, as the face enforces them. */
export interface MailboxLimitOptions {
  /** Requests in flight at once per mailbox; one more is throttled. */
  concurrentRequests: number;
  /** Requests per mailbox in one window. */
  requestsPerWindow: number;
  windowMs: number;
}

export const OUTLOOK_MAILBOX_LIMITS: MailboxLimitOptions = { concurrentRequests: 4, requestsPerWindow: 10_000, windowMs: 10 * 60 * 1000 };

export type Admission =
  | { admitted: true; release: () => void }
  | { admitted: false; reason: 'concurrency' | 'budget'; retryAfterMs: number };

interface MailboxUsage {
  inFlight: number;
  windowStart: number;
  requestsInWindow: number;
}

/**
 * Counts requests per mailbox. The budget uses fixed windows: simpler than Exchange's sliding
 * one, and a client that honours Retry-After sees the same thing.
 */
export class MailboxLimits {
  private readonly usage = new Map<string, MailboxUsage>();

  /** `limits` is read on every request, so limits changed at run time apply at once. */
  constructor(
    private readonly limits: () => MailboxLimitOptions,
    private readonly now: () => number = Date.now,
  ) {}

  admit(mailboxId: string): Admission {
    const now = this.now();
    const options = this.limits();
    let usage = this.usage.get(mailboxId);
    if (!usage) {
      usage = { inFlight: 0, windowStart: now, requestsInWindow: 0 };
      this.usage.set(mailboxId, usage);
    } else if (now - usage.windowStart >= options.windowMs) {
      usage.windowStart = now;
      usage.requestsInWindow = 0;
    }
    if (usage.requestsInWindow >= options.requestsPerWindow) {
      return { admitted: false, reason: 'budget', retryAfterMs: usage.windowStart + options.windowMs - now };
    }
    if (usage.inFlight >= options.concurrentRequests) {
      // Exchange does not say when a slot frees; one second is what it usually answers.
      return { admitted: false, reason: 'concurrency', retryAfterMs: 1000 };
    }
    usage.requestsInWindow++;
    usage.inFlight++;
    const admitted = usage;
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        admitted.inFlight--;
      },
    };
  }
}
