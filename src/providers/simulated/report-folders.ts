import type { ListedMessage, MailboxRef } from '../../domain/mail.js';
import { mimeOf } from '../../sim/mime.js';
import type { FolderView, MessageView, Tenant } from '../../sim/model.js';
import { ProviderError } from '../errors.js';

/**
 * ReportFolders over the in-process tenant model: a folder is `inbox` or a path of display names,
 * and an item is named by its immutable id, as the simulated provider names every copy.
 */

/** Oldest first; a folder the mailbox does not have holds nothing. */
export function listFolder(tenant: Tenant, mailboxId: string, folder: string, limit: number): ListedMessage[] {
  const found = tenant.findFolder(mailboxId, folder);
  if (!found) return [];
  return tenant
    .messagesIn(mailboxId, found.id)
    .sort((a, b) => a.receivedAt.localeCompare(b.receivedAt))
    .slice(0, limit)
    .map(listedMessage);
}

export function readMessageMime(tenant: Tenant, mailbox: MailboxRef, itemId: string): Promise<Buffer> {
  return mimeOf(requireMessage(tenant, mailbox, itemId, 'readMime'));
}

/** The folder path is created like `mkdir -p`, visible, when missing. */
export function moveMessage(tenant: Tenant, mailbox: MailboxRef, itemId: string, folder: string): { itemId: string; folderId: string } {
  const message = requireMessage(tenant, mailbox, itemId, 'moveToFolder');
  const target: FolderView = tenant.findFolder(mailbox.mailboxId, folder) ?? tenant.ensureFolderPath(mailbox.mailboxId, folder);
  const moved = message.folderId === target.id ? message : tenant.move(mailbox.mailboxId, message.itemId, target.id);
  return { itemId: moved.immutableId, folderId: target.id };
}

function requireMessage(tenant: Tenant, mailbox: MailboxRef, itemId: string, operation: string): MessageView {
  const message = tenant.message(mailbox.mailboxId, itemId);
  if (!message) {
    throw new ProviderError('ProviderRejected', `${mailbox.address} holds no message ${itemId}`, { tenantId: tenant.tenantId, mailbox: mailbox.address, operation });
  }
  return message;
}

function listedMessage(message: MessageView): ListedMessage {
  return {
    itemId: message.immutableId,
    internetMessageId: message.internetMessageId,
    subject: message.subject,
    from: message.from,
    receivedAt: message.receivedAt,
  };
}
