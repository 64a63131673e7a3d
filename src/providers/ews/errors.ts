import { ServiceError, ServiceResponseException, SoapFaultDetails, type ServiceResponse } from 'ews-javascript-api';
import { ProviderError } from '../errors.js';

/** Where a failed EWS call was made, for the error an operator reads. */
export interface CallContext {
  tenantId: string;
  operation: string;
  mailbox?: string;
  /** The service account or OAuth client the adapter authenticates as. */
  account: string;
}

/** Error details the library hands over: the `<t:Value Name="…">` pairs of a fault's MessageXml. */
interface ErrorDetails {
  containsKey(key: string): boolean;
  get(key: string): string;
}

function backOffMs(details: ErrorDetails | undefined): number | undefined {
  if (!details?.containsKey('BackOffMilliseconds')) return undefined;
  const value = Number(details.get('BackOffMilliseconds'));
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** The part of a call's context a ProviderError carries. */
export function providerContext(at: CallContext): ProviderError['context'] {
  return { tenantId: at.tenantId, operation: at.operation, ...(at.mailbox ? { mailbox: at.mailbox } : {}) };
}

/** An EWS response code the adapter cannot get past, or ErrorServerBusy with its back-off, as a ProviderError. */
function responseCodeError(code: ServiceError, message: string, details: ErrorDetails | undefined, at: CallContext): ProviderError {
  const context = providerContext(at);
  const name = ServiceError[code] ?? String(code);
  switch (code) {
    case ServiceError.ErrorServerBusy:
      return new ProviderError('Throttled', `Exchange is busy (ErrorServerBusy): ${message}`, context, backOffMs(details));
    case ServiceError.ErrorNonExistentMailbox:
    case ServiceError.ErrorMailRecipientNotFound:
      return new ProviderError('MailboxNotFound', `no mailbox ${at.mailbox ?? ''} (${name}): ${message}`, context);
    case ServiceError.ErrorImpersonateUserDenied:
    case ServiceError.ErrorImpersonationDenied:
    case ServiceError.ErrorAccessDenied:
      return new ProviderError('AuthRejected', `${at.account} may not open ${at.mailbox ?? 'this mailbox'} (${name}): it needs the ApplicationImpersonation role over it`, context);
    case ServiceError.ErrorInternalServerError:
    case ServiceError.ErrorInternalServerTransientError:
    case ServiceError.ErrorMailboxMoveInProgress:
    case ServiceError.ErrorMailboxStoreUnavailable:
    case ServiceError.ErrorConnectionFailed:
    case ServiceError.ErrorTimeoutExpired:
      return new ProviderError('ProviderUnavailable', `Exchange answered ${name}: ${message}`, context);
    default:
      return new ProviderError('ProviderRejected', `Exchange refused ${at.operation} (${name}): ${message}`, context);
  }
}

/** A response of a batch (one per item or folder) that failed, ready to throw. */
export function responseError(response: ServiceResponse, at: CallContext): ProviderError {
  return responseCodeError(response.ErrorCode, response.ErrorMessage, response.ErrorDetails as ErrorDetails, at);
}

/**
 * Whatever the library or the transport rejected with, as a ProviderError: HTTP 401/403 is the
 * credential, a SOAP fault or response code is mapped by its code, anything without an answer
 * (connection refused, reset, TLS) is the server being unavailable.
 */
export function toProviderError(error: unknown, at: CallContext): ProviderError {
  if (error instanceof ProviderError) return error;
  const context = providerContext(at);
  if (error instanceof ServiceResponseException) return responseError(error.Response, at);
  const status = (error as { HttpStatusCode?: number } | undefined)?.HttpStatusCode;
  if (status === 401 || status === 403) {
    return new ProviderError('AuthRejected', `Exchange refused ${at.account} (HTTP ${status}): check its credential and that it holds the ApplicationImpersonation role`, context);
  }
  if (error instanceof SoapFaultDetails && status === 500) {
    return responseCodeError(error.ResponseCode, error.FaultString ?? error.Message ?? 'SOAP fault', error.ErrorDetails as ErrorDetails, at);
  }
  const detail = error instanceof Error ? error.message : (error as { Message?: string } | undefined)?.Message ?? String(error);
  return new ProviderError('ProviderUnavailable', `Exchange did not answer ${at.operation}${status ? ` (HTTP ${status})` : ''}: ${detail}`, context);
}
