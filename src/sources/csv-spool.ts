import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { isInvalid, type ParsedRow } from './csv.js';
import type { RowResult } from './csv-results.js';

/** Rows per chunk: one activity's worth of work, read from the spool by byte offset. */
export const CHUNK_ROWS = 5000;

/** What a spooled import holds: how many rows, and where each chunk starts in the file. */
export interface SpooledImport {
  importId: string;
  rows: number;
  invalid: number;
  /** Byte offset of every chunk of `CHUNK_ROWS` rows in the spool. */
  chunkOffsets: number[];
}

export class ImportUnknown extends Error {
  constructor(readonly importId: string) {
    super(`no import ${importId}`);
    this.name = 'ImportUnknown';
  }
}

/**
 * Parsed rows of each import as JSON lines under the data dir, and their results beside them.
 * The API (or CLI) writes the spool as the upload streams in; the cleanup workflow's activities
 * read it a chunk at a time by byte offset, so neither a process nor a Temporal payload ever
 * holds the whole file. API and worker must share the directory (one host, or a volume).
 */
export class ImportStore {
  constructor(readonly dir: string) {}

  private folder(importId: string): string {
    if (!/^[a-z0-9-]{1,64}$/.test(importId)) throw new ImportUnknown(importId);
    return join(this.dir, importId);
  }

  /** Writes parsed rows to the spool as they arrive (with back-pressure) and indexes the chunks. */
  async spool(importId: string, rows: AsyncIterable<ParsedRow>): Promise<SpooledImport> {
    const folder = this.folder(importId);
    await mkdir(folder, { recursive: true });
    const out = createWriteStream(join(folder, 'rows.jsonl'));
    const spooled: SpooledImport = { importId, rows: 0, invalid: 0, chunkOffsets: [] };
    let bytes = 0;
    try {
      for await (const row of rows) {
        if (spooled.rows % CHUNK_ROWS === 0) spooled.chunkOffsets.push(bytes);
        const line = JSON.stringify(row) + '\n';
        bytes += Buffer.byteLength(line);
        spooled.rows++;
        if (isInvalid(row)) spooled.invalid++;
        if (!out.write(line)) await once(out, 'drain');
      }
    } finally {
      out.end();
      await once(out, 'close');
    }
    return spooled;
  }

  /** At most `CHUNK_ROWS` rows from the spool, starting at a chunk's byte offset. */
  async readChunk(importId: string, offset: number): Promise<ParsedRow[]> {
    const input = createReadStream(join(this.folder(importId), 'rows.jsonl'), { start: offset });
    const lines = createInterface({ input, crlfDelay: Infinity });
    const rows: ParsedRow[] = [];
    try {
      for await (const line of lines) {
        rows.push(JSON.parse(line) as ParsedRow);
        if (rows.length === CHUNK_ROWS) break;
      }
    } finally {
      lines.close();
      input.destroy();
    }
    return rows;
  }

  /** Keeps what one chunk's submission learnt, for the results step (rewritten whole on a retry). */
  async saveJson(importId: string, name: string, value: unknown): Promise<void> {
    await writeAtomically(join(this.folder(importId), name), JSON.stringify(value));
  }

  async loadJson<T>(importId: string, name: string): Promise<T> {
    return JSON.parse(await readFile(join(this.folder(importId), name), 'utf8')) as T;
  }

  async saveResults(importId: string, chunk: number, results: RowResult[]): Promise<void> {
    await writeAtomically(join(this.folder(importId), resultsFile(chunk)), results.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }

  /** A page of per-row results, in row order, from the chunks settled so far. */
  async readResults(importId: string, offset: number, limit: number, chunksSettled: number): Promise<RowResult[]> {
    const page: RowResult[] = [];
    for (let chunk = Math.floor(offset / CHUNK_ROWS); chunk < chunksSettled && page.length < limit; chunk++) {
      const text = await readFile(join(this.folder(importId), resultsFile(chunk)), 'utf8');
      const lines = text.split('\n').filter(Boolean);
      const skip = chunk === Math.floor(offset / CHUNK_ROWS) ? offset % CHUNK_ROWS : 0;
      for (const line of lines.slice(skip, skip + limit - page.length)) page.push(JSON.parse(line) as RowResult);
    }
    return page;
  }
}

function resultsFile(chunk: number): string {
  return `results-${String(chunk).padStart(6, '0')}.jsonl`;
}

/** A retried activity rewrites its file whole: a reader never sees half of one. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}
