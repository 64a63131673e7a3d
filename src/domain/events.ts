import { z } from 'zod';
import { IncidentState } from './incident.js';

export const IncidentEventType = z.enum([
  'incident.started',
  'incident.approval_required',
  'incident.contained',
  'incident.partially_contained',
  'incident.recorded',
  'incident.failed',
  'incident.undone',
]);
export type IncidentEventType = z.infer<typeof IncidentEventType>;

/** What a notification channel receives: ids and counts, never message bodies or secrets. */
export const IncidentEvent = z.object({
  version: z.literal(1),
  type: IncidentEventType,
  incidentId: z.string(),
  at: z.string(),
  status: IncidentState.shape.status,
  messageId: z.string(),
  sender: z.string(),
  subject: z.string().optional(),
  sources: z.array(z.string()),
  counts: IncidentState.shape.counts,
  residualExposure: IncidentState.shape.residualExposure,
});
export type IncidentEvent = z.infer<typeof IncidentEvent>;
