import type { ListedMessage, MailboxRef } from '../../domain/mail.js';
import { ProviderError } from '../errors.js';
import type { GoogleApi } from './api.js';
import { MailboxLabels, SHOWN } from './labels.js';
import { currentLabels, readMetadata, searchMessageIds } from './messages.js';
import type { MessageMetadata } from './metadata.js';

const INBOX = 'INBOX';

/**
 * ReportFolders over Gmail, where a folder is a label: INBOX, or the user label named by the
 * path (Gmail nests labels on "/" itself). Gmail lists newest first and cannot sort otherwise, so
 * the messages listed are sorted oldest first here. Message ids survive relabelling.
 */
export class GmailReportFolders {
  constructor(private readonly api: GoogleApi) {}

  async listMessages(mailbox: MailboxRef, folder: string, limit: number): Promise<ListedMessage[]> {
    const user = mailbox.address;
    const labelId = isInbox(folder) ? INBOX : (await MailboxLabels.load(this.api, user)).idOf(folder);
    if (labelId === undefined) return [];
    const listed = await readMetadata(this.api, user, await searchMessageIds(this.api, user, '', [labelId], limit));
    return listed.map(listedMessage).sort((a, b) => (a.receivedAt ?? '').localeCompare(b.receivedAt ?? ''));
  }

  async readMime(mailbox: MailboxRef, itemId: string): Promise<Buffer> {
    const message = await this.api.gmailOrAbsent(mailbox.address, 'messages.get', (gmail) => gmail.users.messages.get({ userId: 'me', id: itemId, format: 'raw' }));
    if (!message) throw this.noSuchItem(mailbox, itemId, 'readMime');
    return Buffer.from(message.raw ?? '', 'base64url');
  }

  /** The folder's label is added (created visible when missing); INBOX and the user labels it was filed under go. */
  async moveToFolder(mailbox: MailboxRef, itemId: string, folder: string): Promise<{ itemId: string; folderId: string }> {
    const user = mailbox.address;
    const [labels, current] = await Promise.all([MailboxLabels.load(this.api, user), currentLabels(this.api, user, itemId)]);
    if (!current) throw this.noSuchItem(mailbox, itemId, 'moveToFolder');
    const target = isInbox(folder) ? INBOX : await labels.ensure(folder, SHOWN);
    const removeLabelIds = current.filter((labelId) => labelId !== target && (labelId === INBOX || labels.isUserLabel(labelId)));
    const moved = await this.api.gmailOrAbsent(user, 'messages.modify', (gmail) =>
      gmail.users.messages.modify({ userId: 'me', id: itemId, requestBody: { addLabelIds: [target], removeLabelIds } }),
    );
    if (!moved) throw this.noSuchItem(mailbox, itemId, 'moveToFolder');
    return { itemId, folderId: target };
  }

  private noSuchItem(mailbox: MailboxRef, itemId: string, operation: string): ProviderError {
    return new ProviderError('ProviderRejected', `${mailbox.address} holds no message ${itemId}`, { tenantId: this.api.tenantId, mailbox: mailbox.address, operation: `gmail.${operation}` });
  }
}

function isInbox(folder: string): boolean {
  return folder.trim().toLowerCase() === 'inbox';
}

function listedMessage(message: MessageMetadata): ListedMessage {
  return {
    itemId: message.id,
    ...(message.internetMessageId ? { internetMessageId: message.internetMessageId } : {}),
    subject: message.subject,
    ...(message.from ? { from: message.from } : {}),
    ...(message.receivedAt ? { receivedAt: message.receivedAt } : {}),
  };
}
