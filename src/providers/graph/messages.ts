import type { MailboxRef } from '../../domain/mail.js';
import { odataString, segment } from './odata.js';
import type { GraphSession } from './session.js';

/** The fields a copy is described by; Graph returns only what `$select` names. */
export interface GraphMessage {
  id: string;
  parentFolderId: string;
  isRead: boolean;
  subject?: string | null;
  receivedDateTime?: string;
  internetMessageId?: string;
  conversationId?: string;
  from?: { emailAddress?: { address?: string } };
}

export const MESSAGE_FIELDS = 'id,parentFolderId,isRead,subject,receivedDateTime,internetMessageId,conversationId';

/** Where a mailbox's mail can be listed: `/messages` spans every folder but Recoverable Items, which must be asked for. */
export function mailboxCollections(mailbox: MailboxRef): { path: string; recoverable: boolean }[] {
  const user = `/users/${segment(mailbox.mailboxId)}`;
  return [
    { path: `${user}/messages`, recoverable: false },
    { path: `${user}/mailFolders/recoverableitemsdeletions/messages`, recoverable: true },
  ];
}

/** Every message of the mailbox matching the filter, Recoverable Items included, each once. */
export async function listMessages(
  session: GraphSession,
  mailbox: MailboxRef,
  operation: string,
  filter: string,
  select = MESSAGE_FIELDS,
): Promise<(GraphMessage & { recoverable: boolean })[]> {
  const lists = await Promise.all(
    mailboxCollections(mailbox).map(async ({ path, recoverable }) => {
      const found = await session.all<GraphMessage>({ operation, permission: 'Mail.ReadWrite', mailbox }, (client) =>
        client.api(path).filter(filter).select(select).top(100),
      );
      return found.map((message) => ({ ...message, recoverable }));
    }),
  );
  const byId = new Map(lists.flat().map((message) => [message.id, message]));
  return [...byId.values()];
}

/** The copies of one Message-ID in the mailbox, wherever they are. */
export function messagesWithId(session: GraphSession, mailbox: MailboxRef, operation: string, messageId: string): Promise<(GraphMessage & { recoverable: boolean })[]> {
  return listMessages(session, mailbox, operation, `internetMessageId eq ${odataString(messageId)}`);
}
