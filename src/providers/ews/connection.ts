import {
  ConnectingIdType,
  ExchangeService,
  ExchangeVersion,
  ImpersonatedUserId,
  OAuthCredentials,
  Uri,
  WebCredentials,
} from 'ews-javascript-api';
import type { Dispatcher } from 'undici';
import { ProviderError } from '../errors.js';
import { providerContext, toProviderError, type CallContext } from './errors.js';
import pLimit, { type LimitFunction } from 'p-limit';
import type { TokenSource } from './token.js';
import { ewsTransport, serverBusyBackOff } from './transport.js';

export type EwsCredential = { kind: 'basic'; username: string; password: string } | { kind: 'oauth'; clientId: string; tokens: TokenSource };

export interface EwsConnectionOptions {
  tenantId: string;
  url: string;
  credential: EwsCredential;
  dispatcher: Dispatcher;
  maxConcurrency: number;
  requestTimeoutMs: number;
  /** Sees every response body (tests check them against the schema). */
  onResponse?: (body: string) => void;
}

/**
 * One service account's way into Exchange: a service per call, impersonating the mailbox it works
 * on, every call through one limiter so the account never exceeds EWSMaxConcurrency, every
 * failure turned into a ProviderError. ews-javascript-api has no retry of its own, so Temporal's
 * retry (after ErrorServerBusy's back-off) is the only one.
 */
export class EwsConnection {
  readonly tenantId: string;
  readonly account: string;
  private readonly limiter: LimitFunction;

  constructor(private readonly options: EwsConnectionOptions) {
    this.tenantId = options.tenantId;
    this.account = options.credential.kind === 'basic' ? `service account ${options.credential.username}` : `OAuth client ${options.credential.clientId}`;
    this.limiter = pLimit(options.maxConcurrency);
  }

  /** Runs `work` against the mailbox `mailbox` (impersonated, and anchored for routing), or the directory when absent. */
  async call<T>(operation: string, mailbox: string | undefined, work: (service: ExchangeService) => Promise<T>): Promise<T> {
    return this.limiter(() => this.attempt(operation, mailbox, work, true));
  }

  private async attempt<T>(operation: string, mailbox: string | undefined, work: (service: ExchangeService) => Promise<T>, firstTry: boolean): Promise<T> {
    const at = this.context(operation, mailbox);
    const { credential } = this.options;
    let busy: { backOffMs: number | undefined } | undefined;
    const observe = (body: string) => {
      busy = serverBusyBackOff(body) ?? busy;
      this.options.onResponse?.(body);
    };
    try {
      return await work(await this.service(mailbox, observe));
    } catch (error) {
      if (busy && !(error instanceof ProviderError)) {
        throw new ProviderError('Throttled', `Exchange is busy (ErrorServerBusy) for ${this.account}`, providerContext(at), busy.backOffMs);
      }
      const failure = toProviderError(error, at);
      // A token can be revoked or expire early: one fresh token before calling the credential rejected. Work is retry-safe.
      if (failure.type === 'AuthRejected' && credential.kind === 'oauth' && firstTry && isHttpUnauthorized(error)) {
        credential.tokens.forget();
        return this.attempt(operation, mailbox, work, false);
      }
      throw failure;
    }
  }

  context(operation: string, mailbox?: string): CallContext {
    return { tenantId: this.tenantId, operation, account: this.account, ...(mailbox ? { mailbox } : {}) };
  }

  /** A service per call, with a transport of its own, so an ErrorServerBusy it meets is this call's. */
  private async service(mailbox: string | undefined, onResponse: (body: string) => void): Promise<ExchangeService> {
    const service = new ExchangeService(ExchangeVersion.Exchange2013);
    service.Url = new Uri(this.options.url);
    service.XHRApi = ewsTransport({ dispatcher: this.options.dispatcher, timeoutMs: this.options.requestTimeoutMs, onResponse });
    const { credential } = this.options;
    // Verbatim: the library would otherwise insist on a JWT-shaped token, which an access token need not be.
    service.Credentials = credential.kind === 'basic' ? new WebCredentials(credential.username, credential.password) : new OAuthCredentials(await credential.tokens.token(), true);
    if (mailbox) {
      service.ImpersonatedUserId = new ImpersonatedUserId(ConnectingIdType.SmtpAddress, mailbox);
      service.HttpHeaders.Add('X-AnchorMailbox', mailbox);
    }
    return service;
  }
}

function isHttpUnauthorized(error: unknown): boolean {
  return (error as { HttpStatusCode?: number } | undefined)?.HttpStatusCode === 401;
}
