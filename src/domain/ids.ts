import { createHash } from 'node:crypto';
import { canonicalMessageId } from './message-id.js';

/** Ids are built here only, so the API, CLI and tests agree on them. */
const INCIDENT_PREFIX = 'incident-';

export function incidentIdFor(messageId: string): string {
  return createHash('sha256').update(canonicalMessageId(messageId)).digest('hex').slice(0, 24);
}

export function incidentWorkflowId(incidentId: string): string {
  return `${INCIDENT_PREFIX}${incidentId}`;
}

/** Accepts either form an analyst may paste: the incident id or its workflow id. */
export function incidentIdFromPath(idOrWorkflowId: string): string {
  return idOrWorkflowId.startsWith(INCIDENT_PREFIX)
    ? idOrWorkflowId.slice(INCIDENT_PREFIX.length)
    : idOrWorkflowId;
}
