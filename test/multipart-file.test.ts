import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MultipartUnreadable, multipartField } from '../src/api/multipart-file.js';

const BOUNDARY = 'clawback-test-boundary';
const CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

function form(parts: { name: string; body: string; filename?: string }[]): ReadableStream<Uint8Array> {
  const text = parts
    .map(({ name, body, filename }) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}\r\n\r\n${body}\r\n`)
    .join('');
  return new Blob([`${text}--${BOUNDARY}--\r\n`]).stream();
}

async function read(content: AsyncIterable<Uint8Array> | undefined): Promise<string> {
  assert.ok(content, 'the field was found');
  const chunks: Uint8Array[] = [];
  for await (const chunk of content) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

test('the file part streams; small fields around it are skipped', async () => {
  const body = form([{ name: 'note', body: 'hello' }, { name: 'file', filename: 'rows.csv', body: 'Message_ID\n<a@b.example>' }, { name: 'after', body: 'x' }]);
  assert.equal(await read(await multipartField(body, CONTENT_TYPE, 'file')), 'Message_ID\n<a@b.example>');
});

test('a form of endless parts is refused', async () => {
  const many = form(Array.from({ length: 60 }, (_, i) => ({ name: `f${i}`, body: 'x' })));
  await assert.rejects(multipartField(many, CONTENT_TYPE, 'file'), (error) => error instanceof MultipartUnreadable && /more than 50 parts/.test(error.message));
});
