import { fallbackMatcher, type MailboxRef, type MessageCopy, type MessageQuery } from '../../domain/mail.js';
import type { GoogleApi } from './api.js';
import { MailboxLabels } from './labels.js';
import { readMetadata, searchMessageIds } from './messages.js';
import type { MessageMetadata } from './metadata.js';

/**
 * Every copy of the message in the mailbox, whatever its labels (spam and trash included),
 * except those already bearing the quarantine label. When the Message-ID matches nothing (it
 * was rewritten on the way in), the same sender and subject inside the time window do.
 */
export async function findCopies(api: GoogleApi, quarantineLabel: string, mailbox: MailboxRef, query: MessageQuery): Promise<MessageCopy[]> {
  const user = mailbox.address;
  const [labels, ids] = await Promise.all([MailboxLabels.load(api, user), searchMessageIds(api, user, `rfc822msgid:${query.messageId}`)]);
  const byMessageId = await readMetadata(api, user, ids);
  const matches = byMessageId.length > 0 ? byMessageId : await fallbackMatches(api, user, query);
  const quarantined = labels.idOf(quarantineLabel);
  return matches
    .filter((message) => quarantined === undefined || !message.labelIds.includes(quarantined))
    .map((message) => ({
      mailbox,
      itemId: message.id,
      internetMessageId: message.internetMessageId ?? query.messageId,
      ...labels.placement(message.labelIds),
      isRead: !message.labelIds.includes('UNREAD'),
      subject: message.subject,
      ...(message.receivedAt ? { receivedAt: message.receivedAt } : {}),
      labelIds: message.labelIds,
    }));
}

/**
 * Gmail's `subject:` and `from:` match words, so the search only narrows: the sender, the whole
 * subject and the time window are checked here on what it returns.
 */
async function fallbackMatches(api: GoogleApi, user: string, query: MessageQuery): Promise<MessageMetadata[]> {
  const matches = fallbackMatcher(query);
  if (!matches || !query.sender || !query.subject) return [];
  const q = `from:${query.sender} subject:"${query.subject.replace(/"/g, ' ')}"`;
  const candidates = await readMetadata(api, user, await searchMessageIds(api, user, q));
  return candidates.filter((message) => matches({ ...message, receivedAt: message.receivedAt ? Date.parse(message.receivedAt) : Number.NaN }));
}
