import { z } from 'zod';
import { ProviderError } from '../errors.js';

/** When Google throttles without saying for how long. */
const DEFAULT_THROTTLE_BACKOFF_MS = 5_000;

const QUOTA_REASONS = new Set(['userRateLimitExceeded', 'rateLimitExceeded', 'quotaExceeded', 'concurrentLimitExceeded']);

/** Google's JSON error body, the same for Gmail and the Admin SDK. */
const ApiErrorBody = z.object({
  error: z.object({
    code: z.number().optional(),
    message: z.string().default(''),
    errors: z.array(z.object({ reason: z.string().optional() })).default([]),
  }),
});

/** The OAuth token endpoint's error body (RFC 6749), not the API's. */
const TokenErrorBody = z.object({ error: z.string(), error_description: z.string().optional() });

/** What a failed call looked like on the wire; gaxios errors carry it, network errors carry no response. */
const FailedCall = z.object({
  config: z.object({ url: z.unknown().optional() }).optional(),
  response: z
    .object({
      status: z.number(),
      data: z.unknown(),
      // node-fetch's Headers, not the global class: anything with `get`.
      headers: z.custom<Pick<Headers, 'get'>>((value) => typeof (value as Headers | undefined)?.get === 'function').optional(),
    })
    .optional(),
  code: z.unknown().optional(),
});

export interface CallContext {
  tenantId: string;
  operation: string;
  /** The impersonated user (a mailbox, or the Directory's admin user). */
  subject: string;
  serviceAccount: string;
  scopes: readonly string[];
  tokenUrl: string;
  mailbox?: string;
}

export interface HttpFailure {
  status: number;
  reason: string | undefined;
  message: string;
}

/** The HTTP status and Google's reason, or undefined for a failure without an answer (network, timeout). */
export function httpFailureOf(error: unknown): HttpFailure | undefined {
  const call = FailedCall.safeParse(error);
  const response = call.success ? call.data.response : undefined;
  if (!response) return undefined;
  const api = ApiErrorBody.safeParse(response.data);
  if (api.success) return { status: response.status, reason: api.data.error.errors[0]?.reason, message: api.data.error.message };
  const token = TokenErrorBody.safeParse(response.data);
  if (token.success) return { status: response.status, reason: token.data.error, message: token.data.error_description ?? token.data.error };
  return { status: response.status, reason: undefined, message: `HTTP ${response.status}` };
}

/** Retry-After in seconds or as an HTTP date; Gmail's message also names the moment ("Retry after 2026-…Z"). */
function retryAfterMs(error: unknown, message: string, now: number): number {
  const call = FailedCall.safeParse(error);
  const header = call.success ? call.data.response?.headers?.get('retry-after') : undefined;
  if (header) {
    const seconds = Number(header);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const at = Date.parse(header);
    if (Number.isFinite(at)) return Math.max(0, at - now);
  }
  const named = /retry after (\S+)/i.exec(message)?.[1];
  const at = named ? Date.parse(named) : Number.NaN;
  return Number.isFinite(at) ? Math.max(0, at - now) : DEFAULT_THROTTLE_BACKOFF_MS;
}

/** Whether the failure came from the OAuth token endpoint rather than an API. */
export function fromTokenEndpoint(error: unknown, tokenUrl: string): boolean {
  const call = FailedCall.safeParse(error);
  return call.success && String(call.data.config?.url ?? '') === tokenUrl;
}

/**
 * A failed Google call as the typed error the workflow's retry policy names. Quota answers
 * (429, or 403 with a usage-limit reason) retry after Google's delay; refusals of the service
 * account say which account, which user it impersonated and which scopes it needs.
 */
export function toProviderError(error: unknown, context: CallContext, now = Date.now()): ProviderError {
  if (error instanceof ProviderError) return error;
  const where = { tenantId: context.tenantId, operation: context.operation, ...(context.mailbox ? { mailbox: context.mailbox } : {}) };
  const failure = httpFailureOf(error);
  if (!failure) {
    const detail = error instanceof Error ? error.message : String(error);
    return new ProviderError('ProviderUnavailable', `Google did not answer: ${detail}`, where);
  }
  const { status, reason, message } = failure;
  if (status === 429 || (status === 403 && reason !== undefined && QUOTA_REASONS.has(reason))) {
    const delay = retryAfterMs(error, message, now);
    return new ProviderError('Throttled', `Google quota exceeded for ${context.subject} (${reason ?? status}); retry in ${delay} ms`, where, delay);
  }
  if (status >= 500) return new ProviderError('ProviderUnavailable', `Google answered ${status}: ${message}`, where);
  if (fromTokenEndpoint(error, context.tokenUrl)) {
    if (reason === 'invalid_grant' && /invalid email or user id/i.test(message)) {
      return new ProviderError('MailboxNotFound', `${context.subject} is not a user of this Google Workspace (${message})`, where);
    }
    return new ProviderError('AuthRejected', `${refusal(context)}; the token endpoint said ${reason ?? status}: ${message}`, where);
  }
  if (status === 401 || status === 403) return new ProviderError('AuthRejected', `${refusal(context)}; Google said ${status} ${reason ?? ''}: ${message}`, where);
  return new ProviderError('ProviderRejected', `Google refused ${context.operation} with ${status} ${reason ?? ''}: ${message}`, where);
}

function refusal(context: CallContext): string {
  return (
    `service account ${context.serviceAccount} could not act as ${context.subject}: it needs domain-wide delegation ` +
    `of ${context.scopes.join(', ')} in the Workspace admin console`
  );
}
