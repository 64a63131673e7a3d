import { createHash } from 'node:crypto';
import type { gmail_v1 } from 'googleapis';
import { canonicalMessageId } from '../../domain/message-id.js';
import { mimeOf } from '../mime.js';
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

function contentTypeOf(message: MessageView): string {
  return message.attachments?.length ? 'multipart/mixed' : 'text/plain; charset="UTF-8"';
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
    ['Content-Type', contentTypeOf(message)],
  ];
  return headers.flatMap(([name, value]) => (value === undefined ? [] : [{ name, value }]));
}

function bodyOf(content: Buffer): gmail_v1.Schema$MessagePartBody {
  return { size: content.length, data: content.toString('base64url') };
}

/**
 * The `full` payload, from the model's fields: the text alone, or multipart/mixed with the text
 * first and one part per attachment. Gmail hands large attachments out by `attachmentId` through
 * attachments.get; this face inlines every part's data instead.
 */
function fullPayload(message: MessageView): gmail_v1.Schema$MessagePart {
  const text: gmail_v1.Schema$MessagePart = {
    mimeType: 'text/plain',
    filename: '',
    headers: [{ name: 'Content-Type', value: 'text/plain; charset="UTF-8"' }],
    body: bodyOf(Buffer.from(message.body)),
  };
  const attachments = message.attachments ?? [];
  if (attachments.length === 0) return { ...text, partId: '', headers: headersOf(message) };
  return {
    partId: '',
    mimeType: 'multipart/mixed',
    filename: '',
    headers: headersOf(message),
    body: { size: 0 },
    parts: [
      { ...text, partId: '0' },
      ...attachments.map((attachment, index) => ({
        partId: String(index + 1),
        mimeType: attachment.contentType,
        filename: attachment.filename,
        headers: [
          { name: 'Content-Type', value: `${attachment.contentType}; name="${attachment.filename}"` },
          { name: 'Content-Disposition', value: `attachment; filename="${attachment.filename}"` },
        ],
        body: bodyOf(Buffer.from(attachment.contentBase64, 'base64')),
      })),
    ],
  };
}

function snippetOf(body: string): string {
  return body.replace(/\s+/g, ' ').trim().slice(0, 200);
}

/**
 * A Message resource in the asked format. `raw` is the message's MIME, as exported by every
 * face; `metadataHeaders` narrows the headers of the metadata format, matched
 * case-insensitively as Gmail does, and the other formats ignore it.
 */
export async function messageResource(
  message: MessageView,
  labelIds: string[],
  format: MessageFormat,
  metadataHeaders: string[] = [],
): Promise<gmail_v1.Schema$Message> {
  const mime = await mimeOf(message);
  const resource: gmail_v1.Schema$Message = {
    id: message.immutableId,
    threadId: threadIdOf(message),
    labelIds,
    snippet: snippetOf(message.body),
    sizeEstimate: mime.length,
    internalDate: String(Date.parse(message.receivedAt)),
  };
  if (format === 'minimal') return resource;
  if (format === 'raw') return { ...resource, raw: mime.toString('base64url') };
  if (format === 'full') return { ...resource, payload: fullPayload(message) };
  const wanted = new Set(metadataHeaders.map((name) => name.toLowerCase()));
  const headers = headersOf(message).filter(({ name }) => wanted.size === 0 || wanted.has(name!.toLowerCase()));
  return { ...resource, payload: { partId: '', mimeType: contentTypeOf(message).split(';')[0], filename: '', headers, body: { size: 0 } } };
}
