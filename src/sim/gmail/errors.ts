import { TenantError } from '../errors.js';

/** Google's JSON error body, the same for Gmail and the Admin SDK. */
export interface GoogleErrorBody {
  error: {
    code: number;
    message: string;
    errors: { message: string; domain: string; reason: string }[];
    status: string;
  };
}

/** The canonical gRPC status Google names beside each HTTP status. */
const STATUS_NAMES: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

export function googleError(
  status: number,
  reason: string,
  message: string,
  options: { domain?: string; headers?: Record<string, string> } = {},
): Response {
  const body: GoogleErrorBody = {
    error: {
      code: status,
      message,
      errors: [{ message, domain: options.domain ?? 'global', reason }],
      status: STATUS_NAMES[status] ?? 'UNKNOWN',
    },
  };
  return Response.json(body, { status, headers: options.headers ?? {} });
}

export function notFound(message = 'Requested entity was not found.'): Response {
  return googleError(404, 'notFound', message);
}

export function invalidArgument(message: string): Response {
  return googleError(400, 'invalidArgument', message);
}

export function unauthenticated(): Response {
  return googleError(
    401,
    'authError',
    'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
  );
}

/**
 * Gmail's per-user limit. Google answers it with 429 or 403 depending on the path through its
 * front end, so the status is the caller's choice; the reason and domain are what clients test.
 */
export function userRateLimitExceeded(status: 403 | 429, retryAfterMs: number, now: number): Response {
  const retryAt = new Date(now + retryAfterMs).toISOString();
  return googleError(status, 'userRateLimitExceeded', `User-rate limit exceeded.  Retry after ${retryAt}`, {
    domain: 'usageLimits',
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
  });
}

const REASON_BY_STATUS: Record<number, string> = {
  400: 'badRequest',
  401: 'authError',
  403: 'forbidden',
  404: 'notFound',
  409: 'conflict',
  429: 'rateLimitExceeded',
};

/** An injected HTTP failure, with the reason Google gives for that status. */
export function injectedStatus(status: number): Response {
  return googleError(status, REASON_BY_STATUS[status] ?? 'backendError', `Injected failure with status ${status}.`);
}

/** Maps a refusal of the model to the answer Google gives for the same condition. */
export function tenantErrorResponse(error: TenantError): Response {
  switch (error.code) {
    case 'MailboxNotFound':
    case 'GroupNotFound':
    case 'AddressNotFound':
    case 'FolderNotFound':
    case 'ItemNotFound':
      return notFound();
    case 'FolderExists':
      return googleError(409, 'duplicate', 'Label name exists or conflicts');
    case 'InvalidFolderName':
    case 'WellKnownFolderProtected':
      return invalidArgument('Invalid label name');
    case 'InvalidMime':
      return invalidArgument(error.message);
  }
}
