import { createHash } from 'node:crypto';
import type { gmail_v1 } from 'googleapis';
import { canonicalMessageId } from '../../domain/message-id.js';
import type { MessageView } from '../model.js';

export type MessageFormat = 'minimal' | 'metadata' | 'full' | 'raw';

/**
 * Gmail threads by headers: a message joins the thread of the first Message-ID its References
 * name (else its In-Reply-To), so a forward shares the thread of what it forwards. The id is
 * a digest of that root, hex like Gmail's, and the same in every mailbox holding the thread.
 */
export function threadIdOf(message: MessageView): string {
  const root = message.references[0] ?? message.inReplyTo ?? message.internetMessageId;
  return createHash('sha256').update(canonicalMessageId(root)).digest('hex').slice(0, 16);
}

/** RFC 5322 date, as in a Date header. */
function rfc5322Date(iso: string): string {
  return new Date(iso).toUTCString().replace('GMT', '+0000');
}

function headersOf(message: MessageView): gmail_v1.Schema$MessagePartHeader[] {
  const headers: [string, string | undefined][] = [
    ['From', message.from],
    ['To', message.to.join(', ') || undefined],
    ['Cc', message.cc.join(', ') || undefined],
    ['Subject', message.subject],
    ['Date', rfc5322Date(message.date)],
    ['Message-ID', message.internetMessageId],
    ['References', message.references.join(' ') || undefined],
    ['In-Reply-To', message.inReplyTo],
    ['MIME-Version', '1.0'],
    ['Content-Type', 'text/plain; charset="UTF-8"'],
  ];
  return headers.flatMap(([name, value]) => (value === undefined ? [] : [{ name, value }]));
}

function rawOf(message: MessageView): string {
  const head = headersOf(message).map(({ name, value }) => `${name}: ${value}`);
  return `${head.join('\r\n')}\r\n\r\n${message.body.replace(/\r?\n/g, '\r\n')}`;
}

function snippetOf(body: string): string {
  return body.replace(/\s+/g, ' ').trim().slice(0, 200);
}

/**
 * A Message resource in the asked format. `metadataHeaders` narrows the headers of the
 * metadata format, matched case-insensitively as Gmail does; the other formats ignore it.
 */
export function messageResource(
  message: MessageView,
  labelIds: string[],
  format: MessageFormat,
  metadataHeaders: string[] = [],
): gmail_v1.Schema$Message {
  const raw = rawOf(message);
  const resource: gmail_v1.Schema$Message = {
    id: message.immutableId,
    threadId: threadIdOf(message),
    labelIds,
    snippet: snippetOf(message.body),
    sizeEstimate: Buffer.byteLength(raw),
    internalDate: String(Date.parse(message.receivedAt)),
  };
  if (format === 'minimal') return resource;
  if (format === 'raw') return { ...resource, raw: Buffer.from(raw).toString('base64url') };
  const wanted = new Set(metadataHeaders.map((name) => name.toLowerCase()));
  const headers = headersOf(message).filter(({ name }) => format === 'full' || wanted.size === 0 || wanted.has(name!.toLowerCase()));
  const body: gmail_v1.Schema$MessagePartBody =
    format === 'full' ? { size: Buffer.byteLength(message.body), data: Buffer.from(message.body).toString('base64url') } : {};
  return { ...resource, payload: { partId: '', mimeType: 'text/plain', filename: '', headers, body } };
}
