import { z } from 'zod';
import { Secret } from '../../config/secret.js';

/** Exchange's EWSMaxConcurrency default (2013 and later): requests one account may have in flight. */
export const EWS_MAX_CONCURRENCY = 27;

const BasicAuth = z
  .object({
    type: z.literal('basic'),
    username: z.string().min(1).describe('the service account holding the ApplicationImpersonation role'),
    password: Secret,
  })
  .strict();

const OAuthAuth = z
  .object({
    type: z.literal('oauth'),
    /** Client-credentials token endpoint, e.g. `https://login.example/{tenant}/oauth2/v2.0/token`. */
    tokenUrl: z.url(),
    clientId: z.string().min(1),
    clientSecret: Secret,
    scope: z.string().min(1).default('https://outlook.office365.com/.default'),
  })
  .strict();

export const EwsProviderConfig = z
  .object({
    type: z.literal('ews'),
    /** `https://mail.example/EWS/Exchange.asmx`. */
    url: z.url(),
    /** PEM file of the CA that signed the server's certificate, when it is not a public one. */
    caFile: z.string().min(1).optional(),
    auth: z.discriminatedUnion('type', [BasicAuth, OAuthAuth]),
    /** Stay within the account's EWSMaxConcurrency; lower it when other clients share the account. */
    maxConcurrency: z.number().int().min(1).max(1000).default(EWS_MAX_CONCURRENCY),
    /** A request unanswered this long fails as ProviderUnavailable (and is retried). */
    requestTimeoutMs: z.number().int().min(1000).default(100_000),
    /** MoveItem / GetItem ids per request. */
    batchSize: z.number().int().min(1).max(1000).default(100),
  })
  .strict();
export type EwsProviderConfig = z.infer<typeof EwsProviderConfig>;
export type EwsProviderConfigInput = z.input<typeof EwsProviderConfig>;
