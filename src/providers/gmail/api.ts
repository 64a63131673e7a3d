import type { admin_directory_v1, gmail_v1 } from 'googleapis';
import { DIRECTORY_SCOPES, GMAIL_SCOPES, type GoogleClients } from './google-clients.js';
import { fromTokenEndpoint, httpFailureOf, toProviderError, type CallContext } from './errors.js';
import type { GmailMethod, UnitLimiter } from './quota.js';

type Call<C, T> = (client: C) => Promise<{ data: T }>;

/**
 * Every Google call goes through here: quota units spent first, failures turned into typed
 * provider errors. The `…OrAbsent` forms answer undefined for the statuses a caller expects
 * (404 for an item the user deleted, 409 for a label that already exists).
 */
export class GoogleApi {
  constructor(
    readonly clients: GoogleClients,
    private readonly limiter: UnitLimiter,
    readonly tenantId: string,
  ) {}

  async gmail<T>(user: string, method: GmailMethod, call: Call<gmail_v1.Gmail, T>): Promise<T> {
    return (await this.gmailOrAbsent(user, method, call, [])) as T;
  }

  async gmailOrAbsent<T>(user: string, method: GmailMethod, call: Call<gmail_v1.Gmail, T>, absentOn: number[] = [404]): Promise<T | undefined> {
    await this.limiter.take(user.toLowerCase(), method);
    const context: CallContext = { ...this.callContext(`gmail.${method}`, user, GMAIL_SCOPES), mailbox: user };
    return this.attempt(() => call(this.clients.gmail(user)), context, absentOn);
  }

  async directory<T>(operation: string, call: Call<admin_directory_v1.Admin, T>): Promise<T> {
    return (await this.directoryOrAbsent(operation, call, [])) as T;
  }

  async directoryOrAbsent<T>(operation: string, call: Call<admin_directory_v1.Admin, T>, absentOn: number[] = [404]): Promise<T | undefined> {
    const context = this.callContext(`directory.${operation}`, this.clients.adminUser, DIRECTORY_SCOPES);
    return this.attempt(() => call(this.clients.directory()), context, absentOn);
  }

  private async attempt<C, T>(run: () => ReturnType<Call<C, T>>, context: CallContext, absentOn: number[]): Promise<T | undefined> {
    try {
      return (await run()).data;
    } catch (error) {
      const failure = httpFailureOf(error);
      // A 404 from the token endpoint is a broken configuration, never an absent item.
      if (failure && absentOn.includes(failure.status) && !fromTokenEndpoint(error, this.clients.tokenUrl)) return undefined;
      throw toProviderError(error, context);
    }
  }

  private callContext(operation: string, subject: string, scopes: readonly string[]): CallContext {
    return { tenantId: this.tenantId, operation, subject, serviceAccount: this.clients.serviceAccount, scopes, tokenUrl: this.clients.tokenUrl };
  }
}
