import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ImportAccepted, ImportView } from './csv-import.js';

export interface ImportCommand {
  file: string;
  source: string;
  /** The Clawback API, e.g. http://localhost:8080. */
  api: string;
  /** The source's bearer key. */
  key: string;
  out?: NodeJS.WriteStream;
  pollMs?: number;
}

/** The API answered with an error: the message is the API's own. */
export class ImportCommandFailed extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'ImportCommandFailed';
  }
}

/**
 * `clawback import FILE --source ID`: streams the file to the API (never read whole), then shows
 * the batch's progress until every row has a result. Resolves with the final view.
 */
export async function runImport({ file, source, api, key, out = process.stderr, pollMs = 1000 }: ImportCommand): Promise<ImportView> {
  const size = (await stat(file)).size;
  const response = await fetch(new URL(`/v1/sources/${encodeURIComponent(source)}/imports`, api), {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv', 'content-length': String(size) },
    body: Readable.toWeb(createReadStream(file)) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  const accepted = (await answer(response)) as ImportAccepted;
  out.write(`import ${accepted.importId}: ${accepted.rows} row(s) read, ${accepted.invalid} invalid\n`);

  const live = out.isTTY === true;
  let last = '';
  for (;;) {
    const view = (await answer(await fetch(new URL(`/v1/imports/${accepted.importId}?limit=1`, api), { headers: { authorization: `Bearer ${key}` } }))) as ImportView;
    const line = progressLine(view);
    if (line !== last) out.write(live ? `\r\x1b[2K${line}` : `${line}\n`);
    last = line;
    if (view.status === 'done') {
      if (live) out.write('\n');
      return view;
    }
    await sleep(pollMs);
  }
}

export function progressLine(view: ImportView): string {
  const counts = Object.entries(view.counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${status} ${n}`)
    .join(', ');
  return `${view.status}: submitted ${view.chunksSubmitted}/${view.chunks}, results ${view.chunksSettled}/${view.chunks}${counts ? ` — ${counts}` : ''}`;
}

async function answer(response: Response): Promise<unknown> {
  const body = (await response.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
  if (!response.ok) throw new ImportCommandFailed(response.status, `the API answered ${response.status}: ${body?.error?.message ?? response.statusText}`);
  return body;
}
