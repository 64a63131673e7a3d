import { z } from 'zod';
import type { IncidentState } from '../domain/incident.js';
import type { ImportedRow, InvalidRow } from './csv.js';

/**
 * What became of one row: `pulled` by this import, `already-pulled` before it (the message's
 * incident had quarantined those copies), `not-found` (no copy in the row's recipients'
 * mailboxes), `invalid`; or, when the incident did not pull, why: it awaits an admin's approval,
 * the source only records, the pull failed, or it was still running when the import stopped waiting.
 */
export const RowStatus = z.enum(['pulled', 'already-pulled', 'not-found', 'invalid', 'awaiting-approval', 'recorded', 'failed', 'pending']);
export type RowStatus = z.infer<typeof RowStatus>;

export const RowResult = z.object({
  row: z.number().int(),
  status: RowStatus,
  messageId: z.string().optional(),
  incidentId: z.string().optional(),
  column: z.string().optional(),
  reason: z.string().optional(),
});
export type RowResult = z.infer<typeof RowResult>;

export const ImportCounts = z.record(RowStatus, z.number().int());
export type ImportCounts = z.infer<typeof ImportCounts>;

export function emptyCounts(): ImportCounts {
  return Object.fromEntries(RowStatus.options.map((status) => [status, 0])) as ImportCounts;
}

export function addCounts(total: ImportCounts, more: ImportCounts): void {
  for (const status of RowStatus.options) total[status] += more[status];
}

/** How the import's alert about a message reached its incident. */
export interface Submission {
  incidentId: string;
  status: 'started' | 'merged';
  /** ISO time of the submission: a merged row's copies pulled before it were pulled by someone else. */
  at: string;
}

export function invalidResult(row: InvalidRow): RowResult {
  return { row: row.row, status: 'invalid', column: row.column, reason: row.reason };
}

/** Incident statuses in which nothing more will move without someone acting. */
const UNSETTLED = new Set<IncidentState['status']>(['pulling', 'undoing']);

export function incidentSettled(incident: Pick<IncidentState, 'status'>): boolean {
  return !UNSETTLED.has(incident.status);
}

type IncidentView = Pick<IncidentState, 'status' | 'copies' | 'messageId'>;

/** The copies of the incident's own message in mailboxes the addresses name, directly or as the list they came through. */
function copiesNamed(incident: IncidentView, named: Set<string>) {
  return incident.copies.filter(
    (copy) => copy.messageId === incident.messageId && (named.has(copy.mailbox.address.toLowerCase()) || (copy.provenance.through !== undefined && named.has(copy.provenance.through))),
  );
}

/**
 * Recipients of the row that name no copy although the incident pulled some: perhaps aliases,
 * whose mailboxes (`primaryOf`) the results step looks up before it decides.
 */
export function unmatchedRecipients(row: ImportedRow, incident: IncidentView): string[] {
  if (!incident.copies.some((copy) => copy.status === 'pulled')) return [];
  return row.alert.recipients.filter((recipient) => copiesNamed(incident, new Set([recipient])).length === 0);
}

/**
 * The row's result from its incident: the copies of the message in the mailboxes the row names
 * (directly, through a list it names, or through an alias `primaryOf` maps to its mailbox).
 */
export function rowResult(row: ImportedRow, incident: IncidentView, submission: Submission, primaryOf: ReadonlyMap<string, string> = new Map()): RowResult {
  const base = { row: row.row, messageId: row.alert.messageId, incidentId: submission.incidentId };
  if (incident.status === 'awaiting-approval') return { ...base, status: 'awaiting-approval' };
  if (incident.status === 'recorded') return { ...base, status: 'recorded' };
  if (!incidentSettled(incident)) return { ...base, status: 'pending', reason: `incident still ${incident.status}` };
  const named = new Set(row.alert.recipients.flatMap((recipient) => [recipient, primaryOf.get(recipient) ?? recipient]));
  const copies = copiesNamed(incident, named);
  const pulled = copies.filter((copy) => copy.status === 'pulled' && copy.record !== undefined);
  if (pulled.length > 0) {
    const before = submission.status === 'merged' && pulled.every((copy) => copy.record!.pulledAt < submission.at);
    return { ...base, status: before ? 'already-pulled' : 'pulled' };
  }
  const failed = copies.find((copy) => copy.status === 'failed' || copy.status === 'gone');
  if (failed) return { ...base, status: 'failed', reason: failed.detail ?? failed.status };
  if (incident.status === 'failed') return { ...base, status: 'failed', reason: 'the incident failed' };
  return { ...base, status: 'not-found' };
}
