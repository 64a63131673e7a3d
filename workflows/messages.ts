import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Alert } from '../src/domain/alert.js';
import type { IncidentState } from '../src/domain/incident.js';

/** One alert about the incident's message, as the API received it. */
export interface AlertReceived {
  alert: Alert;
  source: string;
  /** Source + the source's alert id (or a digest of the alert): a re-sent alert is seen once. */
  alertKey: string;
}

/**
 * Every alert reaches the incident through this update, sent with update-with-start: the first
 * one starts the workflow, later ones merge into it, and the API learns which happened.
 */
export const alertUpdate = defineUpdate<'started' | 'merged', [AlertReceived]>('alert');

/**
 * Approve and undo are updates rather than signals: the admin (API, CLI) needs to know at once
 * whether the request was accepted, and a refused one must not reach history.
 */
export interface AdminAction {
  actor: string;
  reason?: string;
  /** Undo and re-pull: the mailboxes (primary addresses) to act on; absent = all. */
  mailboxes?: string[];
}
export const approveUpdate = defineUpdate<IncidentState, [AdminAction]>('approve');
export const undoUpdate = defineUpdate<IncidentState, [AdminAction]>('undo');
export const repullUpdate = defineUpdate<IncidentState, [AdminAction]>('repull');

export const stateQuery = defineQuery<IncidentState>('state');

/** Search attributes analysts filter on in the Temporal UI (`ClawbackStatus = "contained"`). */
export const searchAttributes = {
  status: defineSearchAttributeKey('ClawbackStatus', SearchAttributeType.KEYWORD),
  sender: defineSearchAttributeKey('ClawbackSender', SearchAttributeType.KEYWORD),
  messageId: defineSearchAttributeKey('ClawbackMessageId', SearchAttributeType.KEYWORD),
  source: defineSearchAttributeKey('ClawbackSource', SearchAttributeType.KEYWORD),
  copiesFound: defineSearchAttributeKey('ClawbackCopiesFound', SearchAttributeType.INT),
  copiesPulled: defineSearchAttributeKey('ClawbackCopiesPulled', SearchAttributeType.INT),
} as const;
