import { z } from 'zod';
import type { Dispatcher } from 'undici';
import { ProviderError } from '../errors.js';

const TokenAnswer = z.object({ access_token: z.string().min(1), expires_in: z.coerce.number().int().positive() });

/** Renew this long before expiry, so a token never lapses between being read and being sent. */
const RENEW_BEFORE_MS = 5 * 60_000;

export interface ClientCredentials {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string;
}

/**
 * An OAuth client-credentials token, fetched once and reused until shortly before it expires;
 * concurrent callers share one request. The secret and the token never leave this object.
 */
export class TokenSource {
  private current: { token: string; renewAt: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly credentials: ClientCredentials,
    private readonly dispatcher: Dispatcher,
    private readonly tenantId: string,
  ) {}

  async token(): Promise<string> {
    if (this.current && Date.now() < this.current.renewAt) return this.current.token;
    this.pending ??= this.fetchToken().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** Drops the cached token, so the next call fetches a new one. */
  forget(): void {
    this.current = undefined;
  }

  private async fetchToken(): Promise<string> {
    const { tokenUrl, clientId, clientSecret, scope } = this.credentials;
    const context = { tenantId: this.tenantId, operation: 'token' };
    let response: Response;
    try {
      response = await fetch(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope }).toString(),
        dispatcher: this.dispatcher,
      });
    } catch (error) {
      throw new ProviderError('ProviderUnavailable', `token endpoint ${tokenUrl} unreachable: ${(error as Error).message}`, context);
    }
    const body: unknown = await response.json().catch(() => undefined);
    if (response.status === 429 || response.status >= 500) {
      const retryAfter = Number(response.headers.get('retry-after'));
      const retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined;
      const type = response.status === 429 ? 'Throttled' : 'ProviderUnavailable';
      throw new ProviderError(type, `token endpoint ${tokenUrl} answered ${response.status}`, context, retryAfterMs);
    }
    const parsed = TokenAnswer.safeParse(body);
    if (!response.ok || !parsed.success) {
      const reason = (body as { error?: string } | undefined)?.error ?? `HTTP ${response.status}`;
      throw new ProviderError('AuthRejected', `token endpoint ${tokenUrl} refused client ${clientId} (${reason}): check the client id, its secret and the EWS application permission (full_access_as_app)`, context);
    }
    this.current = { token: parsed.data.access_token, renewAt: Date.now() + Math.max(0, parsed.data.expires_in * 1000 - RENEW_BEFORE_MS) };
    return parsed.data.access_token;
  }
}
