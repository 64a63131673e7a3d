/**
 * Errors a provider adapter throws. `type` is what the workflow's retry policy names:
 * permanent errors are listed as non-retryable, `Throttled` carries the provider's back-off.
 */
export class ProviderError extends Error {
  constructor(
    readonly type: 'MailboxNotFound' | 'AuthRejected' | 'Throttled' | 'ProviderUnavailable' | 'ProviderRejected',
    message: string,
    readonly context: { tenantId: string; mailbox?: string; operation: string },
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = type;
  }
}

export const PERMANENT_PROVIDER_ERRORS = ['MailboxNotFound', 'AuthRejected', 'ProviderRejected'] as const;
