import { stringify } from 'csv-stringify/sync';
import type { AuditEntry } from '../domain/incident.js';

/** The audit trail's columns, in the order an export lists them. */
const COLUMNS = ['incidentId', 'at', 'actor', 'action', 'mailbox', 'itemId', 'newItemId', 'from', 'to', 'result', 'target', 'detail'] as const;

type ExportRow = AuditEntry & { incidentId: string };

const rowsOf = (incidentId: string, audit: AuditEntry[]): ExportRow[] => audit.map((entry) => ({ incidentId, ...entry }));

/** One JSON object per line, for log pipelines and SIEM import. */
export function auditJsonLines(incidentId: string, audit: AuditEntry[]): string {
  return rowsOf(incidentId, audit)
    .map((row) => JSON.stringify(row) + '\n')
    .join('');
}

/**
 * CSV for spreadsheets. Cells starting with `= + - @` are escaped so that a subject or a reason an
 * attacker wrote cannot run as a formula when an analyst opens the file.
 */
export function auditCsv(incidentId: string, audit: AuditEntry[]): string {
  return stringify(rowsOf(incidentId, audit), { header: true, columns: [...COLUMNS], escape_formulas: true });
}
