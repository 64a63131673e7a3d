import type { Forward, MailboxRef, MessageCopy } from '../../domain/mail.js';
import { canonicalMessageId } from '../../domain/message-id.js';
import type { GoogleApi } from './api.js';
import { readMetadata, searchMessageIds } from './messages.js';
import { METADATA_HEADERS, metadataOf, type MessageMetadata } from './metadata.js';

const FORWARD_SUBJECT = /^\s*(?:fw|fwd)\s*:\s*(.*)$/i;

/**
 * Forwards of `original` this mailbox sent. Gmail threads a forward with what it forwards, so
 * the original's thread holds those that kept the headers; a sent search by subject finds
 * those a client sent without them.
 */
export async function findForwards(api: GoogleApi, mailbox: MailboxRef, original: MessageCopy): Promise<Forward[]> {
  const user = mailbox.address;
  const inThread = await threadMessages(api, user, original.itemId);
  const seen = new Set(inThread.map((message) => message.id));
  const bySubject = original.subject
    ? await readMetadata(api, user, (await searchMessageIds(api, user, `in:sent subject:"${original.subject.replace(/"/g, ' ')}"`)).filter((id) => !seen.has(id)))
    : [];
  const originalId = canonicalMessageId(original.internetMessageId);
  const forwards = new Map<string, Forward>();
  for (const sent of [...inThread, ...bySubject]) {
    if (!sent.labelIds.includes('SENT') || !sent.internetMessageId || !isForwardOf(sent, originalId, original)) continue;
    forwards.set(canonicalMessageId(sent.internetMessageId), {
      from: mailbox,
      messageId: sent.internetMessageId,
      recipients: sent.recipients,
      subject: sent.subject,
      ...(sent.sentAt ? { sentAt: sent.sentAt } : {}),
    });
  }
  return [...forwards.values()];
}

/** The messages of the thread the copy is in; none when the copy is gone. */
async function threadMessages(api: GoogleApi, user: string, itemId: string): Promise<MessageMetadata[]> {
  const copy = await api.gmailOrAbsent(user, 'messages.get', (gmail) => gmail.users.messages.get({ userId: 'me', id: itemId, format: 'minimal' }));
  const threadId = copy?.threadId;
  if (!threadId) return [];
  const thread = await api.gmailOrAbsent(user, 'threads.get', (gmail) =>
    gmail.users.threads.get({ userId: 'me', id: threadId, format: 'metadata', metadataHeaders: METADATA_HEADERS }),
  );
  return (thread?.messages ?? []).map(metadataOf);
}

/**
 * Headers decide when there are any: a sent message naming the original in References or
 * In-Reply-To forwards it, one naming something else does not. Without them, "Fwd: <subject>"
 * sent after the original arrived does.
 */
function isForwardOf(sent: MessageMetadata, originalId: string, original: MessageCopy): boolean {
  if (sent.references.length > 0) return sent.references.map(canonicalMessageId).includes(originalId);
  const forwardedSubject = FORWARD_SUBJECT.exec(sent.subject)?.[1];
  if (forwardedSubject === undefined || !original.subject) return false;
  const sentAfterArrival = !original.receivedAt || !sent.sentAt || Date.parse(sent.sentAt) >= Date.parse(original.receivedAt);
  return forwardedSubject.trim().toLowerCase() === original.subject.trim().toLowerCase() && sentAfterArrival;
}
