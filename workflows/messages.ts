import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Alert } from '../src/domain/alert.js';
import type { IncidentStateView, StateView } from '../src/domain/incident.js';

/** One alert about the incident's message, as the API received it. */
export interface AlertReceived {
  alert: Alert;
  source: string;
  /** Source + the source's alert id (or a digest of the alert): a re-sent alert is seen once. */
  alertKey: string;
}

/**
 * Every alert reaches the incident through this signal, sent with signal-with-start: the first
 * one starts the workflow, later ones merge into it, and the service's answer tells the API which
 * happened. A signal is durable once the service has it, so alerts are taken as fast as Temporal
 * stores them (the worker handles them in batches) and even while no worker runs.
 */
export const alertSignal = defineSignal<[AlertReceived]>('alertReceived');

/** How alerts arrived before the signal: kept for clients and incidents of that time. */
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
/** Admin updates answer with the incident's first pages: a whole large incident would not fit one payload. */
export const approveUpdate = defineUpdate<IncidentStateView, [AdminAction]>('approve');
export const undoUpdate = defineUpdate<IncidentStateView, [AdminAction]>('undo');
export const repullUpdate = defineUpdate<IncidentStateView, [AdminAction]>('repull');

/** Re-sends notification `notification` (its `n` in the incident's list) after it failed for good. */
export interface ResendAction {
  actor: string;
  notification: number;
  reason?: string;
}
export const resendNotificationUpdate = defineUpdate<IncidentStateView, [ResendAction]>('resendNotification');

/** The incident with the requested pages of copies and audit entries (defaults: the first 1,000 of each). */
export const stateQuery = defineQuery<IncidentStateView, [Partial<StateView>?]>('state');

/** Search attributes analysts filter on in the Temporal UI (`ClawbackStatus = "contained"`). */
export const searchAttributes = {
  status: defineSearchAttributeKey('ClawbackStatus', SearchAttributeType.KEYWORD),
  sender: defineSearchAttributeKey('ClawbackSender', SearchAttributeType.KEYWORD),
  messageId: defineSearchAttributeKey('ClawbackMessageId', SearchAttributeType.KEYWORD),
  source: defineSearchAttributeKey('ClawbackSource', SearchAttributeType.KEYWORD),
  copiesFound: defineSearchAttributeKey('ClawbackCopiesFound', SearchAttributeType.INT),
  copiesPulled: defineSearchAttributeKey('ClawbackCopiesPulled', SearchAttributeType.INT),
} as const;
