import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { ScenarioMessageInput } from './scenario.js';
import { TenantError } from './errors.js';
import type { StoredMessage } from './state.js';

/**
 * Raw RFC 5322 messages for the simulated tenant: what a service exports (Graph `$value`, EWS
 * MimeContent, Gmail `format=raw`) and what a client imports to create a message. Composing and
 * parsing MIME is nodemailer's and mailparser's job; this module only maps to and from the model.
 */

/**
 * The message's MIME: the bytes it arrived as when it was imported, otherwise composed from its
 * fields. The multipart boundary derives from the Message-ID so every copy exports the same bytes.
 */
export async function mimeOf(message: StoredMessage): Promise<Buffer> {
  if (message.mime) return Buffer.from(message.mime, 'base64');
  const composer = new MailComposer({
    from: message.from,
    to: message.to,
    cc: message.cc,
    subject: message.subject,
    date: new Date(message.date),
    messageId: message.internetMessageId,
    ...(message.references.length ? { references: message.references } : {}),
    ...(message.inReplyTo ? { inReplyTo: message.inReplyTo } : {}),
    text: message.body,
    attachments: (message.attachments ?? []).map((attachment) => ({
      filename: attachment.filename,
      contentType: attachment.contentType,
      content: Buffer.from(attachment.contentBase64, 'base64'),
    })),
    baseBoundary: createHash('sha256').update(message.internetMessageId).digest('hex').slice(0, 16),
  });
  return composer.compile().build();
}

/**
 * The model's fields of a raw message. A message without a Message-ID gets one, as Exchange and
 * Gmail assign one on import; a message without a From address cannot be stored and is refused.
 */
export async function messageFromMime(raw: Buffer, assignMessageId: () => string): Promise<ScenarioMessageInput> {
  if (raw.length === 0) throw new TenantError('InvalidMime', 'the MIME content is empty');
  const parsed = await simpleParser(raw, { skipHtmlToText: true, skipTextLinks: true, skipImageLinks: true });
  const from = addressesOf(parsed.from)[0];
  if (!from) throw new TenantError('InvalidMime', 'the MIME content has no From address');
  return {
    messageId: parsed.messageId ?? assignMessageId(),
    from,
    to: addressesOf(parsed.to),
    cc: addressesOf(parsed.cc),
    subject: parsed.subject ?? '',
    date: (parsed.date ?? new Date()).toISOString(),
    body: parsed.text ?? '',
    attachments: parsed.attachments.map((attachment) => ({
      filename: attachment.filename ?? 'attachment',
      contentType: attachment.contentType,
      contentBase64: attachment.content.toString('base64'),
    })),
    references: typeof parsed.references === 'string' ? [parsed.references] : (parsed.references ?? []),
    ...(parsed.inReplyTo ? { inReplyTo: parsed.inReplyTo } : {}),
  };
}

function addressesOf(field: AddressObject | AddressObject[] | undefined): string[] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return objects.flatMap((object) => flattenAddresses(object.value));
}

function flattenAddresses(entries: AddressObject['value']): string[] {
  return entries.flatMap((entry) => (entry.group ? flattenAddresses(entry.group) : entry.address ? [entry.address] : []));
}
