import { z } from 'zod';
import { Secret } from '../../config/secret.js';

/** The Graph SDK drops the Authorization header over plain http, so every endpoint is HTTPS. */
const HttpsUrl = z
  .url({ protocol: /^https$/, error: 'an https:// URL' })
  .transform((url) => url.replace(/\/+$/, ''));

/** A certificate credential: the private key signs the client assertion, the certificate names it (x5t). */
export const GraphCertificate = z
  .object({
    privateKey: Secret.describe('PEM private key of the certificate registered on the app'),
    certificateFile: z.string().min(1).describe('PEM of that certificate; its SHA-1 thumbprint goes in the assertion header'),
  })
  .strict();

/**
 * An app registration with application permissions Mail.ReadWrite, User.Read.All and
 * GroupMember.Read.All, authenticated by client secret or certificate (exactly one).
 */
export const GraphProviderConfig = z
  .object({
    type: z.literal('graph'),
    /** Directory (tenant) id or a verified domain: the token endpoint's path segment. */
    tenant: z.string().trim().min(1),
    clientId: z.string().trim().min(1),
    clientSecret: Secret.optional(),
    certificate: GraphCertificate.optional(),
    /** Identity platform: login.microsoftonline.us (US Gov), login.chinacloudapi.cn (China), a simulator. */
    authority: HttpsUrl.default('https://login.microsoftonline.com'),
    /** Graph's root without the version: graph.microsoft.us, microsoftgraph.chinacloudapi.cn, a simulator. */
    graphBaseUrl: HttpsUrl.default('https://graph.microsoft.com'),
    /** Extra CA (PEM) to trust for both endpoints, e.g. a TLS-inspecting proxy or the simulator. */
    caFile: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    if ((config.clientSecret === undefined) === (config.certificate === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: 'give exactly one credential: clientSecret or certificate' });
    }
  });
export type GraphProviderConfig = z.infer<typeof GraphProviderConfig>;
export type GraphProviderConfigInput = z.input<typeof GraphProviderConfig>;
