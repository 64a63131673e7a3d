import { z } from 'zod';
import { ThreatClassification } from './alert.js';
import { IncidentState } from './incident.js';

export const IncidentEventType = z.enum([
  'incident.started',
  'incident.approval_required',
  'incident.contained',
  'incident.partially_contained',
  'incident.recorded',
  'incident.failed',
  'incident.undone',
  'incident.late_copy_pulled',
]);
export type IncidentEventType = z.infer<typeof IncidentEventType>;

/** Events that report copies pulled: they name the mailboxes pulled from, and owner mails go out on them. */
export const PULL_EVENT_TYPES: readonly IncidentEventType[] = ['incident.contained', 'incident.partially_contained', 'incident.late_copy_pulled'];

const EventBase = z.object({
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

/** The first event shape, still sent to the event log by incidents started before channels existed. */
export const IncidentEventV1 = EventBase.extend({ version: z.literal(1) });
export type IncidentEventV1 = z.infer<typeof IncidentEventV1>;

/** At most this many residual entries travel in an event; `counts.residual` has the total. */
export const EVENT_RESIDUAL_LIMIT = 200;

/**
 * What a notification channel receives: ids, counts and addresses, never message bodies or
 * secrets. Receivers switch on `version`; fields are only ever added within a version.
 */
export const IncidentEvent = EventBase.extend({
  version: z.literal(2),
  /** `<incidentId>/<sequence>`: unique per event, the same on every retry and resend. */
  id: z.string(),
  threat: z.object({ classification: ThreatClassification, score: z.number().optional() }),
  links: z.object({
    /** This incident in Clawback's API (when the API knows its public URL). */
    incident: z.string().optional(),
    /** The incident's workflow in the Temporal UI; filled in by the worker. */
    temporalUi: z.string().optional(),
  }),
  /** User mailboxes whose copies this event reports pulled for the first time: who gets an owner mail. */
  pulledMailboxes: z.array(z.string()),
  /** incident.late_copy_pulled: copies a late-copy sweep found. */
  lateCopies: z.number().int().optional(),
});
export type IncidentEvent = z.infer<typeof IncidentEvent>;
