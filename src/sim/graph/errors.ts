import { randomUUID } from 'node:crypto';
import { TenantError } from '../errors.js';

/** Graph's error body: every failure a client sees, whatever the route, has this shape. */
export interface GraphErrorBody {
  error: {
    code: string;
    message: string;
    innerError: { date: string; 'request-id': string; 'client-request-id': string };
  };
}

export function graphErrorBody(code: string, message: string, clientRequestId?: string): GraphErrorBody {
  const requestId = randomUUID();
  return {
    error: {
      code,
      message,
      innerError: { date: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), 'request-id': requestId, 'client-request-id': clientRequestId ?? requestId },
    },
  };
}

export function graphError(
  request: Request,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): Response {
  const body = graphErrorBody(code, message, request.headers.get('client-request-id') ?? undefined);
  return Response.json(body, { status, headers });
}

export function throttled(request: Request, retryAfterMs: number, message: string): Response {
  return graphError(request, 429, 'ApplicationThrottled', message, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) });
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'BadRequest',
  401: 'InvalidAuthenticationToken',
  403: 'ErrorAccessDenied',
  404: 'ErrorItemNotFound',
  409: 'ErrorConflict',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

/** An injected HTTP failure, with the code Graph uses for that status. */
export function injectedStatus(request: Request, status: number): Response {
  return graphError(request, status, CODE_BY_STATUS[status] ?? 'UnknownError', `Injected failure with status ${status}.`);
}

/** Maps a refusal of the model to the status and code Graph answers it with. */
export function tenantErrorResponse(request: Request, error: TenantError): Response {
  switch (error.code) {
    case 'MailboxNotFound':
      return graphError(request, 404, 'ErrorInvalidUser', error.message);
    case 'GroupNotFound':
    case 'AddressNotFound':
      return graphError(request, 404, 'Request_ResourceNotFound', error.message);
    case 'FolderNotFound':
    case 'ItemNotFound':
      return graphError(request, 404, 'ErrorItemNotFound', error.message);
    case 'FolderExists':
      return graphError(request, 409, 'ErrorFolderExists', error.message);
    case 'InvalidFolderName':
      return graphError(request, 400, 'ErrorInvalidRequest', error.message);
    case 'InvalidMime':
      return graphError(request, 400, 'ErrorMimeContentInvalid', error.message);
    case 'WellKnownFolderProtected':
      return graphError(request, 403, 'ErrorAccessDenied', error.message);
  }
}
