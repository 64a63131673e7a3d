import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Busboy, type BusboyFileStream } from '@fastify/busboy';

/** The upload is not a multipart form that can be read (no boundary, cut short, malformed). */
export class MultipartUnreadable extends Error {
  constructor(readonly detail: string) {
    super(`the multipart form cannot be read: ${detail}`);
    this.name = 'MultipartUnreadable';
  }
}

/** A form is a file and a few fields; skipped parts cost no memory, but there is no reason for thousands. */
const MAX_PARTS = 50;

/**
 * The content of one field of a `multipart/form-data` body, streamed as it arrives (with
 * back-pressure: the body is read no faster than the content is consumed), or undefined when the
 * form ends without that field. Every other part is discarded unread. The upload is read to its
 * end only while the content is consumed to its end; a consumer that stops early abandons it.
 */
export async function multipartField(body: ReadableStream<Uint8Array>, contentType: string, field: string): Promise<AsyncIterable<Uint8Array> | undefined> {
  const source = Readable.fromWeb(body as NodeReadableStream<Uint8Array>);
  let parser;
  try {
    // Every part counts as a file, so none is buffered whole: a field's value would be.
    parser = Busboy({ headers: { 'content-type': contentType }, isPartAFile: () => true, limits: { parts: MAX_PARTS } });
  } catch (error) {
    source.destroy();
    throw new MultipartUnreadable((error as Error).message);
  }
  let chosen: BusboyFileStream | undefined;
  let settle!: { resolve: (content: BusboyFileStream | undefined) => void; reject: (error: MultipartUnreadable) => void };
  const found = new Promise<BusboyFileStream | undefined>((resolve, reject) => (settle = { resolve, reject }));
  parser.on('file', (name, stream) => {
    // A form cut short inside a part fails that part's stream too, maybe after its reader stopped
    // listening; the reader learns of it through `fail`, so the stream's own report is not needed.
    stream.on('error', () => {});
    if (name === field && !chosen) settle.resolve((chosen = stream));
    else stream.resume();
  });
  parser.on('partsLimit', () => fail(new Error(`more than ${MAX_PARTS} parts`)));
  parser.on('finish', () => settle.resolve(undefined));
  // Before the field is found the caller hears of a broken form; after, the field's reader does.
  function fail(error: unknown): void {
    const unreadable = new MultipartUnreadable((error as Error).message);
    if (chosen) chosen.destroy(unreadable);
    else settle.reject(unreadable);
    source.destroy();
  }
  parser.on('error', fail);
  pipeline(source, parser).catch(fail);
  const content = await found;
  if (!content) {
    source.destroy();
    return undefined;
  }
  return consumed(content, source);
}

/** The part's chunks; the upload is abandoned when its reader stops before the end. */
async function* consumed(content: BusboyFileStream, source: Readable): AsyncGenerator<Uint8Array> {
  let ended = false;
  try {
    for await (const chunk of content) yield chunk as Uint8Array;
    ended = true;
  } catch (error) {
    // The parser fails the part itself when the form ends inside it.
    throw error instanceof MultipartUnreadable ? error : new MultipartUnreadable((error as Error).message);
  } finally {
    if (!ended) source.destroy();
  }
}
