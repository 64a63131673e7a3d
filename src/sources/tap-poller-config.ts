import { z } from 'zod';
import { Secret } from '../config/secret.js';

/**
 * How Clawback polls a Proofpoint TAP source's SIEM API: where, as which service principal, and
 * how often. Used in a source of `type: tap` as its `poll` section.
 */
export const TapPollerConfig = z
  .object({
    /** The SIEM API's base URL (without `/v2`). */
    url: z.url().default('https://tap-api-v2.proofpoint.com'),
    principal: z.string().min(1),
    secret: Secret,
    /** How often the schedule polls; a run still going when the next is due makes it skip. */
    intervalMs: z.number().int().min(30_000).max(3600_000).default(60_000),
    /** How far back the first poll looks. */
    firstLookbackMs: z.number().int().min(60_000).max(7 * 24 * 3600_000).default(3600_000),
    /** Extra CA (PEM) to trust for the SIEM API, e.g. a TLS-inspecting proxy. */
    caFile: z.string().optional(),
  })
  .strict();
export type TapPollerConfig = z.infer<typeof TapPollerConfig>;
