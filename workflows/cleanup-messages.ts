import { defineQuery } from '@temporalio/workflow';
import type { ImportCounts } from '../src/sources/csv-results.js';

/** One CSV import, as the API or CLI spooled it: the rows stay in the spool, only their index travels. */
export interface CleanupInput {
  importId: string;
  source: string;
  rows: number;
  invalid: number;
  /** Byte offset of each chunk of rows in the spool. */
  chunkOffsets: number[];
  /** How long the import waits for each chunk's incidents to finish pulling. */
  settleWaitMs: number;
  /** Where a continued run picks up. */
  progress?: CleanupProgress;
}

export interface CleanupProgress {
  importId: string;
  status: 'submitting' | 'settling' | 'done';
  rows: number;
  chunks: number;
  chunksSubmitted: number;
  chunksSettled: number;
  /** Distinct messages over all chunks (a message in two chunks counts twice), and how they reached their incidents. */
  incidentsStarted: number;
  incidentsMerged: number;
  /** Per-row results so far, by status. */
  counts: ImportCounts;
}

/** Progress of the import, read by `GET /v1/imports/:id` and the CLI's live display. */
export const importProgressQuery = defineQuery<CleanupProgress>('importProgress');

const IMPORT_PREFIX = 'import-';

export function cleanupWorkflowId(importId: string): string {
  return `${IMPORT_PREFIX}${importId}`;
}
