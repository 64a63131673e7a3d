import { createHash } from 'node:crypto';
import { canonicalMessageId } from '../../domain/message-id.js';
import type { MessageView } from '../model.js';

/** Which id a client asked for: the default one that changes on every move, or the immutable one. */
export type IdType = 'item' | 'immutable';

export function preferredIdType(prefer: string | undefined): IdType {
  return /IdType\s*=\s*"?ImmutableId"?/i.test(prefer ?? '') ? 'immutable' : 'item';
}

/**
 * One conversation per thread: the root of its References chain (or the message itself). A
 * forward names the original in References, so it shares the original's conversation, which is
 * how a forward is found in Sent Items.
 */
export function conversationIdOf(message: Pick<MessageView, 'references' | 'inReplyTo' | 'internetMessageId'>): string {
  const root = message.references[0] ?? message.inReplyTo ?? message.internetMessageId;
  return `AAQk${createHash('sha256').update(canonicalMessageId(root)).digest('base64url').slice(0, 40)}`;
}

/** Echoes an honoured `Prefer: IdType` so the client knows which ids it got. */
export function preferenceHeaders(idType: IdType): Record<string, string> {
  return idType === 'immutable' ? { 'Preference-Applied': 'IdType="ImmutableId"' } : {};
}

/** The `@odata.context` of an answer that is one message of a mailbox. */
export function messageEntityContext(baseUrl: string, mailboxId: string): string {
  return `${baseUrl}/v1.0/$metadata#users('${mailboxId}')/messages/$entity`;
}

const recipient = (address: string) => ({ emailAddress: { name: address, address } });

function headersOf(message: MessageView): { name: string; value: string }[] {
  const headers = [
    { name: 'Message-ID', value: message.internetMessageId },
    { name: 'Date', value: new Date(message.date).toUTCString() },
    { name: 'From', value: message.from },
    { name: 'Subject', value: message.subject },
  ];
  if (message.to.length > 0) headers.push({ name: 'To', value: message.to.join(', ') });
  if (message.cc.length > 0) headers.push({ name: 'Cc', value: message.cc.join(', ') });
  if (message.references.length > 0) headers.push({ name: 'References', value: message.references.join(' ') });
  if (message.inReplyTo) headers.push({ name: 'In-Reply-To', value: message.inReplyTo });
  return headers;
}

export function graphMessage(message: MessageView, idType: IdType) {
  return {
    id: idType === 'immutable' ? message.immutableId : message.itemId,
    createdDateTime: message.receivedAt,
    receivedDateTime: message.receivedAt,
    sentDateTime: message.date,
    subject: message.subject,
    bodyPreview: message.body.slice(0, 255),
    importance: 'normal',
    isRead: message.isRead,
    isDraft: message.isDraft ?? false,
    hasAttachments: (message.attachments?.length ?? 0) > 0,
    internetMessageId: message.internetMessageId,
    parentFolderId: message.folderId,
    conversationId: conversationIdOf(message),
    from: recipient(message.from),
    sender: recipient(message.from),
    toRecipients: message.to.map(recipient),
    ccRecipients: message.cc.map(recipient),
    body: { contentType: 'text', content: message.body },
    internetMessageHeaders: headersOf(message),
  };
}

/** Everything but the raw headers, which Graph returns only when `$select`ed. */
export const MESSAGE_DEFAULT_PROPERTIES = [
  'createdDateTime',
  'receivedDateTime',
  'sentDateTime',
  'subject',
  'bodyPreview',
  'importance',
  'isRead',
  'isDraft',
  'hasAttachments',
  'internetMessageId',
  'parentFolderId',
  'conversationId',
  'from',
  'sender',
  'toRecipients',
  'ccRecipients',
  'body',
] as const;
