import { fallbackMatcher, type MailboxRef, type MessageCopy, type MessageQuery } from '../../domain/mail.js';
import { FolderTree, RECOVERABLE_ITEMS_PATH } from './folders.js';
import { listMessages, MESSAGE_FIELDS, messagesWithId, type GraphMessage } from './messages.js';
import { odataString } from './odata.js';
import type { GraphSession } from './session.js';

export interface SearchSettings {
  /** Top-level folders whose copies are already contained: the quarantine folder (and, in the quarantine mailbox, the evidence folder). */
  containedFolders(mailbox: MailboxRef): string[];
}

/**
 * Every copy of the message in the mailbox, in any folder, Recoverable Items included, except
 * the ones already contained. When the Message-ID matches nothing (rewritten on the way in)
 * and the query names sender and subject, those match inside the time window.
 */
export async function findCopies(session: GraphSession, settings: SearchSettings, mailbox: MailboxRef, query: MessageQuery): Promise<MessageCopy[]> {
  const byId = await messagesWithId(session, mailbox, 'findCopies', query.messageId);
  const found = byId.length > 0 ? byId : await fallbackMatches(session, mailbox, query);
  if (found.length === 0) return [];
  const tree = new FolderTree(session, mailbox);
  const contained = new Set(settings.containedFolders(mailbox).map((name) => name.trim().toLowerCase()));
  const copies: MessageCopy[] = [];
  for (const message of found) {
    const placement = message.recoverable ? { path: RECOVERABLE_ITEMS_PATH, top: undefined } : await tree.placement(message.parentFolderId);
    if (placement.top && contained.has(placement.top.displayName.trim().toLowerCase())) continue;
    copies.push(messageCopy(mailbox, message, placement.path, query.messageId));
  }
  return copies;
}

export function messageCopy(mailbox: MailboxRef, message: GraphMessage, folderPath: string, messageId: string): MessageCopy {
  return {
    mailbox,
    itemId: message.id,
    internetMessageId: message.internetMessageId ?? messageId,
    folderId: message.parentFolderId,
    folderPath,
    isRead: message.isRead,
    ...(message.subject ? { subject: message.subject } : {}),
    ...(message.receivedDateTime ? { receivedAt: message.receivedDateTime } : {}),
  };
}

/** Same sender and subject inside the window; Graph filters on the subject, the rest is checked here. */
async function fallbackMatches(session: GraphSession, mailbox: MailboxRef, query: MessageQuery) {
  const matches = fallbackMatcher(query);
  if (!matches || !query.subject) return [];
  const candidates = await listMessages(session, mailbox, 'findCopies', `subject eq ${odataString(query.subject.trim())}`, `${MESSAGE_FIELDS},from`);
  return candidates.filter((message) =>
    matches({ from: message.from?.emailAddress?.address ?? undefined, subject: message.subject ?? undefined, receivedAt: Date.parse(message.receivedDateTime ?? '') }),
  );
}
