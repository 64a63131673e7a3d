import { z } from 'zod';
import { ProviderError } from '../errors.js';
import { clientAssertion, type AssertionSigner } from './assertion.js';
import { retryAfterMs } from './retry-after.js';

export type ClientCredential = { secret: string } | { signer: AssertionSigner };

export interface TokenSourceOptions {
  /** Clawback's tenant id, for error context. */
  tenantId: string;
  tokenUrl: string;
  clientId: string;
  scope: string;
  credential: ClientCredential;
  fetch: typeof fetch;
  now?: () => number;
}

const TokenResponse = z.object({ access_token: z.string().min(1), expires_in: z.coerce.number().positive() });
const OAuthError = z.object({ error: z.string(), error_description: z.string().optional() });

/** Renew this long before expiry, so a token never runs out during a page walk or a batch. */
const RENEW_BEFORE_MS = 5 * 60 * 1000;

/**
 * App-only tokens by the client-credentials grant, cached until shortly before they expire.
 * Concurrent callers share one request. Failures are typed: a refused credential is
 * AuthRejected (permanent), throttling and outages retry.
 */
export class TokenSource {
  private cached: { token: string; renewAt: number } | undefined;
  private pending: Promise<string> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: TokenSourceOptions) {
    this.now = options.now ?? Date.now;
  }

  accessToken(): Promise<string> {
    if (this.cached && this.now() < this.cached.renewAt) return Promise.resolve(this.cached.token);
    this.pending ??= this.request().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async request(): Promise<string> {
    const { tokenUrl, clientId, scope, credential } = this.options;
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, scope });
    if ('secret' in credential) form.set('client_secret', credential.secret);
    else {
      form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      form.set('client_assertion', clientAssertion(credential.signer, clientId, tokenUrl, this.now()));
    }
    const requestedAt = this.now();
    let response: Response;
    try {
      response = await this.options.fetch(tokenUrl, { method: 'POST', body: form });
    } catch (error) {
      throw this.error('ProviderUnavailable', `token endpoint ${tokenUrl} unreachable: ${(error as Error).cause ?? (error as Error).message}`);
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (response.ok) {
      const parsed = TokenResponse.safeParse(body);
      if (!parsed.success) throw this.error('ProviderUnavailable', `token endpoint ${tokenUrl} answered without a usable token`);
      this.cached = { token: parsed.data.access_token, renewAt: requestedAt + Math.max(0, parsed.data.expires_in * 1000 - RENEW_BEFORE_MS) };
      return parsed.data.access_token;
    }
    const oauth = OAuthError.safeParse(body);
    const detail = oauth.success ? `${oauth.data.error}${oauth.data.error_description ? `: ${oauth.data.error_description}` : ''}` : `HTTP ${response.status}`;
    if (response.status === 429 || response.status === 503) {
      throw this.error('Throttled', `token endpoint throttled: ${detail}`, retryAfterMs(response.headers));
    }
    if (response.status >= 500) throw this.error('ProviderUnavailable', `token endpoint ${tokenUrl} failed: ${detail}`);
    throw this.error('AuthRejected', `the identity platform refused app ${clientId} at ${tokenUrl} (check the tenant, client id and credential): ${detail}`);
  }

  private error(type: ProviderError['type'], message: string, retryAfter?: number): ProviderError {
    return new ProviderError(type, message, { tenantId: this.options.tenantId, operation: 'token' }, retryAfter);
  }
}
