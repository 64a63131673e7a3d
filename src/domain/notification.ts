import { z } from 'zod';

/**
 * One notification of the incident (an event for one channel) and how it went. `n` is its
 * place in the incident's list: the resend route names it.
 */
export const NotificationRecord = z.object({
  n: z.number().int().min(0),
  channel: z.string(),
  event: z.string().describe('the event type, e.g. incident.contained'),
  eventId: z.string(),
  status: z.enum(['sending', 'delivered', 'failed']),
  attempts: z.number().int().min(0),
  lastError: z.string().optional(),
  at: z.string(),
});
export type NotificationRecord = z.infer<typeof NotificationRecord>;
