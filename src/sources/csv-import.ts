import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { CsvError } from 'csv-parse';
import type { Config } from '../config/schema.js';
import { cleanupWorkflow } from '../../workflows/cleanup.js';
import { cleanupWorkflowId, importProgressQuery, type CleanupProgress } from '../../workflows/cleanup-messages.js';
import { log } from '../log.js';
import { CsvHeaderInvalid, parseCsvRows } from './csv.js';
import type { RowResult } from './csv-results.js';
import { CHUNK_ROWS, ImportStore, ImportUnknown } from './csv-spool.js';

/** The largest CSV upload accepted: the spool is on disk, so this bounds the disk, not memory. */
export const IMPORT_LIMIT_BYTES = 1024 * 1024 * 1024;
/** How long an import waits for its incidents to finish pulling before it reports rows `pending`. */
const SETTLE_WAIT_MS = 30 * 60_000;

/** The upload is not a CSV Clawback can read (no Message-ID column, broken encoding): nothing was started. */
export class ImportRejected extends Error {
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'ImportRejected';
  }
}

export class ImportTooLarge extends Error {
  constructor(readonly limitBytes: number) {
    super(`the upload is over ${limitBytes} bytes`);
    this.name = 'ImportTooLarge';
  }
}

/** The import's data directory: `CLAWBACK_DATA_DIR` (API and worker must share it), default `.clawback`. */
export function importsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(resolve(env.CLAWBACK_DATA_DIR || '.clawback'), 'imports');
}

export interface ImportAccepted {
  importId: string;
  workflowId: string;
  rows: number;
  invalid: number;
}

export interface ImportView extends CleanupProgress {
  workflowId: string;
  source: string;
  results: RowResult[];
  page: { offset: number; limit: number; available: number };
}

export interface ImportClientOptions {
  client: Client;
  taskQueue: string;
  store: ImportStore;
  settleWaitMs?: number;
  limitBytes?: number;
}

/** The client side of bulk cleanup: spool an upload, start its workflow, read its progress. */
export class ImportClient {
  constructor(private readonly options: ImportClientOptions) {}

  /** The API's import client: the config's task queue, the shared spool directory. */
  static forConfig(client: Client, config: Config, dir = importsDir()): ImportClient {
    return new ImportClient({ client, taskQueue: config.temporal.taskQueue, store: new ImportStore(dir) });
  }

  /** Parses the upload as it streams into the spool, then starts one cleanup workflow over it. */
  async start(source: string, body: AsyncIterable<Uint8Array | string>): Promise<ImportAccepted> {
    const importId = randomUUID();
    const { store, client, taskQueue } = this.options;
    let spooled;
    try {
      spooled = await store.spool(importId, parseCsvRows(limited(body, this.options.limitBytes ?? IMPORT_LIMIT_BYTES)));
    } catch (error) {
      await rm(join(store.dir, importId), { recursive: true, force: true });
      throw rejection(error);
    }
    const workflowId = cleanupWorkflowId(importId);
    await client.workflow.start(cleanupWorkflow, {
      workflowId,
      taskQueue,
      args: [{ ...spooled, source, settleWaitMs: this.options.settleWaitMs ?? SETTLE_WAIT_MS }],
      memo: { source },
      staticSummary: `Bulk cleanup of ${spooled.rows} CSV row(s) from ${source}`,
    });
    log.info({ event: 'import.started', importId, source, rows: spooled.rows, invalid: spooled.invalid }, 'import started');
    return { importId, workflowId, rows: spooled.rows, invalid: spooled.invalid };
  }

  /** Progress and a page of per-row results (rows whose chunk has settled). */
  async view(importId: string, offset = 0, limit = 1000): Promise<ImportView> {
    const workflowId = cleanupWorkflowId(importId);
    const handle = this.options.client.workflow.getHandle(workflowId);
    let progress: CleanupProgress;
    let source: string;
    try {
      const description = await handle.describe();
      source = String((await description.memo)?.source ?? '');
      progress = await handle.query(importProgressQuery);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new ImportUnknown(importId);
      throw error;
    }
    const results = await this.options.store.readResults(importId, offset, limit, progress.chunksSettled);
    const available = Math.min(progress.rows, progress.chunksSettled * CHUNK_ROWS);
    return { ...progress, workflowId, source, results, page: { offset, limit, available } };
  }
}

/** Passes the upload through, failing once it exceeds `limitBytes`. */
async function* limited(body: AsyncIterable<Uint8Array | string>, limitBytes: number): AsyncGenerator<Uint8Array | string> {
  let size = 0;
  for await (const chunk of body) {
    size += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    if (size > limitBytes) throw new ImportTooLarge(limitBytes);
    yield chunk;
  }
}

function rejection(error: unknown): unknown {
  const cause = (error as { cause?: unknown })?.cause;
  if (error instanceof ImportTooLarge || cause instanceof ImportTooLarge) return error instanceof ImportTooLarge ? error : cause;
  if (error instanceof CsvHeaderInvalid || cause instanceof CsvHeaderInvalid) return new ImportRejected(((error instanceof CsvHeaderInvalid ? error : cause) as Error).message);
  if (error instanceof CsvError) return new ImportRejected(`the upload is not readable as CSV: ${error.message}`);
  return error;
}
