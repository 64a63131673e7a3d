import { GraphError } from '@microsoft/microsoft-graph-client';
import { z } from 'zod';
import { ProviderError } from '../errors.js';
import { retryAfterMs } from './retry-after.js';

/** The application permission each kind of call needs, named when Graph refuses the app. */
export type GraphPermission = 'Mail.ReadWrite' | 'User.Read.All' | 'GroupMember.Read.All';

export interface CallContext {
  tenantId: string;
  clientId: string;
  operation: string;
  permission: GraphPermission;
  mailbox?: string;
}

/** Graph's codes for a mailbox that does not exist (or has no Exchange licence). */
const MAILBOX_NOT_FOUND = new Set(['ErrorInvalidUser', 'Request_ResourceNotFound', 'ResourceNotFound', 'MailboxNotEnabledForRESTAPI']);

export function isGraphError(error: unknown, status: number, code?: string): error is GraphError {
  return error instanceof GraphError && error.statusCode === status && (code === undefined || error.code === code);
}

const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string().optional() }) });

/**
 * The SDK reads an error body as the response type the request asked for, so a binary read
 * (`$value`) fails with Graph's JSON error left as bytes and no code: this reads them, so the
 * code (ErrorItemNotFound, ErrorInvalidUser) can be told apart like any other request's.
 */
export function withErrorCode(error: unknown): unknown {
  if (!(error instanceof GraphError) || error.code || !(error.body instanceof ArrayBuffer)) return error;
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(error.body).toString('utf8'));
  } catch {
    return error;
  }
  const parsed = ErrorBody.safeParse(body);
  if (!parsed.success) return error;
  const decoded = new GraphError(error.statusCode, parsed.data.error.message);
  decoded.code = parsed.data.error.code;
  decoded.headers = error.headers;
  return decoded;
}

/** A status and code as Graph reports them, for messages: "404 ErrorItemNotFound". */
export function describeStatus(status: number, code: string | null | undefined, message?: string): string {
  return `${status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`;
}

/**
 * Maps a failed Graph call to the error the workflow's retry policy names. Throttling carries
 * Graph's Retry-After so Temporal waits exactly that long; a refusal names the app and the
 * permission it needs.
 */
export function providerErrorOf(error: unknown, context: CallContext): ProviderError {
  if (error instanceof ProviderError) return error;
  const where = { tenantId: context.tenantId, operation: context.operation, ...(context.mailbox ? { mailbox: context.mailbox } : {}) };
  if (!(error instanceof GraphError) || error.statusCode < 0) {
    return new ProviderError('ProviderUnavailable', `Graph unreachable: ${(error as Error).message}`, where);
  }
  return statusError(error.statusCode, error.code, error.message, error.headers, context);
}

/** The same mapping for a status met inside a `$batch` answer. */
export function statusError(
  status: number,
  code: string | null | undefined,
  message: string | undefined,
  headers: Pick<Headers, 'get'> | undefined,
  context: CallContext,
): ProviderError {
  const where = { tenantId: context.tenantId, operation: context.operation, ...(context.mailbox ? { mailbox: context.mailbox } : {}) };
  const detail = describeStatus(status, code, message);
  if (status === 429 || status === 503) return new ProviderError('Throttled', `Graph throttled the app: ${detail}`, where, retryAfterMs(headers));
  if (status === 401 || status === 403) {
    return new ProviderError(
      'AuthRejected',
      `Graph refused app ${context.clientId} (${detail}): grant it the application permission ${context.permission} with admin consent`,
      where,
    );
  }
  if (status === 404 && context.mailbox && code && MAILBOX_NOT_FOUND.has(code)) {
    return new ProviderError('MailboxNotFound', `no mailbox ${context.mailbox} in Graph (${detail})`, where);
  }
  if (status >= 500) return new ProviderError('ProviderUnavailable', `Graph failed: ${detail}`, where);
  return new ProviderError('ProviderRejected', `Graph refused the request: ${detail}`, where);
}
