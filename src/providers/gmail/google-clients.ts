import { Agent } from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';
import { Auth, google, type admin_directory_v1, type gmail_v1 } from 'googleapis';
import { GOOGLE_TOKEN_URL } from './config.js';

export const GMAIL_SCOPES = ['https://www.googleapis.com/auth/gmail.modify'] as const;
export const DIRECTORY_SCOPES = [
  'https://www.googleapis.com/auth/admin.directory.user.readonly',
  'https://www.googleapis.com/auth/admin.directory.group.member.readonly',
] as const;

/** A call that gets no answer fails after this long, so it becomes a retryable ProviderUnavailable. */
const REQUEST_TIMEOUT_MS = 30_000;

export interface GoogleClientsOptions {
  clientEmail: string;
  privateKey: string;
  adminUser: string;
  tokenUrl: string;
  gmailRootUrl: string;
  directoryRootUrl: string;
  /** Extra CAs these clients trust beside the public ones, never process-wide. */
  ca?: string;
}

/**
 * The Gmail and Directory clients, one service-account JWT per impersonated user (Google binds a
 * delegated token to its subject). Neither the client library nor gaxios retries: Temporal owns
 * retrying, after the delay Google asked for.
 */
export class GoogleClients {
  readonly serviceAccount: string;
  readonly adminUser: string;
  readonly tokenUrl: string;
  private readonly agent: Agent;
  private readonly gmailClients = new Map<string, gmail_v1.Gmail>();
  private directoryClient: admin_directory_v1.Admin | undefined;

  constructor(private readonly options: GoogleClientsOptions) {
    this.serviceAccount = options.clientEmail;
    this.adminUser = options.adminUser;
    this.tokenUrl = new URL(options.tokenUrl).href;
    // Thousands of small calls per incident: connections are kept and written at once, and share
    // one TLS context (building it per connection would parse every root CA again).
    const secureContext = options.ca === undefined ? undefined : createSecureContext({ ca: [...rootCertificates, options.ca] });
    this.agent = new Agent({ keepAlive: true, noDelay: true, ...(secureContext ? { secureContext } : {}) });
  }

  gmail(user: string): gmail_v1.Gmail {
    const key = user.toLowerCase();
    let client = this.gmailClients.get(key);
    if (!client) {
      client = google.gmail({ version: 'v1', auth: this.jwt(key, GMAIL_SCOPES), rootUrl: this.options.gmailRootUrl, retry: false });
      this.gmailClients.set(key, client);
    }
    return client;
  }

  directory(): admin_directory_v1.Admin {
    this.directoryClient ??= google.admin({
      version: 'directory_v1',
      auth: this.jwt(this.adminUser, DIRECTORY_SCOPES),
      rootUrl: this.options.directoryRootUrl,
      retry: false,
    });
    return this.directoryClient;
  }

  close(): void {
    this.agent.destroy();
  }

  /**
   * gtoken posts to Google's token URL, which it hard-codes, and asks gaxios to retry that POST:
   * an interceptor on the JWT's own transporter sends it to the configured endpoint, once.
   */
  private jwt(subject: string, scopes: readonly string[]): Auth.JWT {
    const jwt = new google.auth.JWT({
      email: this.options.clientEmail,
      key: this.options.privateKey,
      scopes: [...scopes],
      subject,
      transporterOptions: { retry: false, timeout: REQUEST_TIMEOUT_MS, agent: this.agent },
    });
    const tokenUrl = new URL(this.tokenUrl);
    jwt.transporter.interceptors.request.add({
      resolved: async (config) => {
        if (String(config.url) !== GOOGLE_TOKEN_URL) return config;
        return { ...config, url: tokenUrl, retry: false, retryConfig: { ...config.retryConfig, retry: 0 } };
      },
    });
    return jwt;
  }
}
