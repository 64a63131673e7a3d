import { z } from 'zod';

/**
 * The services' limits, as a scenario or the control API may tighten (or loosen) them. Absent
 * values keep each face's default: Outlook's per-mailbox limits, Gmail's per-user quota.
 */
export const SimLimits = z
  .object({
    graph: z
      .object({
        concurrentRequests: z.number().int().min(1),
        requestsPerWindow: z.number().int().min(1),
        windowMs: z.number().int().min(1),
      })
      .partial()
      .strict()
      .default({}),
    gmail: z
      .object({
        unitsPerMinute: z.number().int().min(1),
        status: z.union([z.literal(403), z.literal(429)]),
      })
      .partial()
      .strict()
      .default({}),
  })
  .strict();
export type SimLimits = z.infer<typeof SimLimits>;
export type SimLimitsInput = z.input<typeof SimLimits>;

/** Holds the limits in force; faces read it on every request, so a change applies at once. */
export class LimitsHolder {
  current: SimLimits;

  constructor(limits: SimLimitsInput = {}) {
    this.current = SimLimits.parse(limits);
  }
}
