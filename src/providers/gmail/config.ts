import { z } from 'zod';
import { Secret } from '../../config/secret.js';

/** Google's public endpoints; each is overridable for private access points and the simulated tenant. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const GMAIL_ROOT_URL = 'https://gmail.googleapis.com/';
export const DIRECTORY_ROOT_URL = 'https://admin.googleapis.com/';

/**
 * A Google Workspace tenant reached through a service account with domain-wide delegation:
 * Gmail calls impersonate each mailbox's user, Directory calls impersonate `adminUser`.
 */
export const GmailProviderConfig = z
  .object({
    type: z.literal('gmail'),
    /** The service account's JSON key as Google issues it (`client_email`, `private_key`). */
    serviceAccountKey: Secret,
    /** A Workspace administrator the Directory calls act as (users and group members, read only). */
    adminUser: z.email().toLowerCase(),
    tokenUrl: z.url().default(GOOGLE_TOKEN_URL),
    /** Any path is ignored: the client library keeps only the origin. */
    gmailRootUrl: z.url().default(GMAIL_ROOT_URL),
    directoryRootUrl: z.url().default(DIRECTORY_ROOT_URL),
    /** PEM bundle of extra CAs to trust for these endpoints only (a private access point, the simulated tenant). */
    caFile: z.string().min(1).optional(),
    /** Gmail's per-user quota; lower it when other tools share the project. */
    unitsPerMinute: z.number().int().min(250).max(15_000).default(15_000),
  })
  .strict();
export type GmailProviderConfig = z.infer<typeof GmailProviderConfig>;

/** The settings that remain once the credentials are read. */
export const GmailEndpoints = GmailProviderConfig.omit({ serviceAccountKey: true, caFile: true });
export type GmailEndpoints = z.infer<typeof GmailEndpoints>;

/** The fields of the service account's key file Clawback uses; the rest are ignored. */
export const ServiceAccountKey = z.object({
  client_email: z.email(),
  private_key: z.string().includes('PRIVATE KEY', { message: 'is not a PEM private key' }),
});
export type ServiceAccountKey = z.infer<typeof ServiceAccountKey>;
