import { ApplicationFailure } from '@temporalio/activity';
import { ProviderError } from '../src/providers/errors.js';

/**
 * Turns a provider error into the failure Temporal's retry policy understands: throttling
 * retries after the provider's own back-off, permanent errors are not retried.
 */
export function toActivityFailure(error: unknown): unknown {
  if (!(error instanceof ProviderError)) return error;
  const message = `${error.context.operation} on tenant ${error.context.tenantId}${error.context.mailbox ? ` mailbox ${error.context.mailbox}` : ''}: ${error.message}`;
  if (error.type === 'Throttled') {
    return ApplicationFailure.create({
      message,
      type: error.type,
      nextRetryDelay: error.retryAfterMs !== undefined ? `${error.retryAfterMs}ms` : undefined,
    });
  }
  return ApplicationFailure.create({ message, type: error.type });
}

/** Per-item failure text for results that report rather than throw. */
export function describeFailure(error: unknown): string {
  if (error instanceof ProviderError) return `${error.type}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
