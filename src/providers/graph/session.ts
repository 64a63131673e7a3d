import {
  AuthenticationHandler,
  Client,
  HTTPMessageHandler,
  TelemetryHandler,
  type GraphRequest,
} from '@microsoft/microsoft-graph-client';
import type { Agent } from 'undici';
import type { MailboxRef } from '../../domain/mail.js';
import { providerErrorOf, type GraphPermission } from './errors.js';
import { KeyedLimiter } from './limiter.js';
import type { TokenSource } from './token.js';

/** Outlook's limit per app and mailbox. */
export const MAILBOX_CONCURRENCY = 4;

export interface GraphSessionOptions {
  tenantId: string;
  clientId: string;
  /** `https://graph.microsoft.com` or a sovereign cloud's / simulator's root, without the version. */
  graphBaseUrl: string;
  tokens: TokenSource;
  /** Trusts the configured extra CA for this client only, never process-wide. */
  dispatcher?: Agent;
}

export interface Call {
  operation: string;
  permission: GraphPermission;
  /** Calls about one mailbox share its concurrency limit; the others share the directory's. */
  mailbox?: MailboxRef;
}

interface Page<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

/**
 * The Graph SDK client as Clawback runs it, and the one way the adapter sends requests: each
 * under its mailbox's limit, with errors typed for the retry policy.
 *
 * The middleware chain leaves out the SDK's RetryHandler on purpose: a throttled call fails at
 * once with Graph's Retry-After and Temporal retries the activity after exactly that delay, so
 * the two never stack.
 */
export class GraphSession {
  readonly client: Client;
  readonly tenantId: string;
  readonly clientId: string;
  private readonly limiter = new KeyedLimiter(MAILBOX_CONCURRENCY);

  constructor(private readonly options: GraphSessionOptions) {
    this.tenantId = options.tenantId;
    this.clientId = options.clientId;
    const auth = new AuthenticationHandler({ getAccessToken: () => options.tokens.accessToken() });
    this.client = Client.initWithMiddleware({
      baseUrl: options.graphBaseUrl,
      // A sovereign cloud's or simulator's host is not on the SDK's list of Graph hosts; without this the token is not sent.
      customHosts: new Set([new URL(options.graphBaseUrl).hostname]),
      middleware: [auth, new TelemetryHandler(), new HTTPMessageHandler()],
      ...(options.dispatcher ? { fetchOptions: { dispatcher: options.dispatcher } } : {}),
    });
  }

  /** fetch for other endpoints of the same estate (the token endpoint), with the same trust. */
  static fetchWith(dispatcher: Agent | undefined): typeof fetch {
    return dispatcher ? (input, init) => fetch(input, { ...init, dispatcher }) : fetch;
  }

  /**
   * One request. The token is fetched first, outside the SDK, so a refused credential surfaces
   * as AuthRejected instead of a wrapped SDK error. `weight` is how many of the mailbox's
   * concurrent slots the request holds (a `$batch`: as many as Outlook runs of it at once).
   */
  async call<T>(call: Call, send: (client: Client) => Promise<T>, weight = 1): Promise<T> {
    try {
      await this.options.tokens.accessToken();
      return await this.limiter.run(call.mailbox?.mailboxId ?? 'directory', weight, () => send(this.client));
    } catch (error) {
      throw providerErrorOf(error, { tenantId: this.tenantId, clientId: this.clientId, operation: call.operation, permission: call.permission, mailbox: call.mailbox?.address });
    }
  }

  /** Every item of a collection, or its first `limit`: each `@odata.nextLink` followed verbatim, each page a request of its own. */
  async all<T>(call: Call, first: (client: Client) => GraphRequest, limit = Infinity): Promise<T[]> {
    const items: T[] = [];
    let page = await this.call<Page<T>>(call, (client) => first(client).get());
    items.push(...page.value);
    while (page['@odata.nextLink'] && items.length < limit) {
      const next = page['@odata.nextLink'];
      page = await this.call<Page<T>>(call, (client) => client.api(next).get());
      items.push(...page.value);
    }
    return items.slice(0, limit);
  }

  /** A `$batch` step's request. Its URL is made relative to the version by the SDK, as `$batch` wants it. */
  batchRequest(path: string, init: { method: string; body?: unknown }): Request {
    return new Request(`${this.options.graphBaseUrl}${path}`, {
      method: init.method,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body), headers: { 'Content-Type': 'application/json' } }),
    });
  }
}
