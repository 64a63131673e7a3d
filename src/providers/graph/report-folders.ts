import { ResponseType } from '@microsoft/microsoft-graph-client';
import type { ListedMessage, MailboxRef } from '../../domain/mail.js';
import { ProviderError } from '../errors.js';
import { isGraphError, withErrorCode } from './errors.js';
import { segment } from './odata.js';
import { mailboxWork, moveOne } from './pull.js';
import { ensureFolder, findChildFolder } from './quarantine-folder.js';
import type { Call, GraphSession } from './session.js';

/** What a listing selects: enough to tell the reports apart before reading them. */
const LISTED_FIELDS = 'id,internetMessageId,subject,from,receivedDateTime';
/** Graph's largest `$top`. */
const MAX_PAGE = 1000;
const INBOX = 'inbox';

interface ListedGraphMessage {
  id: string;
  internetMessageId?: string | null;
  subject?: string | null;
  from?: { emailAddress?: { address?: string | null } | null } | null;
  receivedDateTime?: string | null;
}

/**
 * ReportFolders over Graph: a folder is the well-known `inbox` or a path of display names
 * resolved one level at a time through childFolders; a move creates the missing levels, visible.
 */
export class GraphReportFolders {
  constructor(private readonly session: GraphSession) {}

  async listMessages(mailbox: MailboxRef, folder: string, limit: number): Promise<ListedMessage[]> {
    const folderId = await this.folderId(mailbox, folder, false);
    if (folderId === undefined) return [];
    const messages = await this.session.all<ListedGraphMessage>(
      this.call('listMessages', mailbox),
      (client) =>
        client
          .api(`/users/${segment(mailbox.mailboxId)}/mailFolders/${segment(folderId)}/messages`)
          .orderby('receivedDateTime')
          .top(Math.min(limit, MAX_PAGE))
          .select(LISTED_FIELDS),
      limit,
    );
    return messages.map(listedMessage);
  }

  async readMime(mailbox: MailboxRef, itemId: string): Promise<Buffer> {
    const mime = (await this.session.call(this.call('readMime', mailbox), (client) =>
      client
        .api(`/users/${segment(mailbox.mailboxId)}/messages/${segment(itemId)}/$value`)
        .responseType(ResponseType.ARRAYBUFFER)
        .get()
        .catch((raw: unknown) => {
          const error = withErrorCode(raw);
          if (isGraphError(error, 404, 'ErrorItemNotFound') || isGraphError(error, 400, 'ErrorInvalidIdMalformed')) throw this.noSuchItem(mailbox, itemId, 'readMime');
          throw error;
        }),
    )) as ArrayBuffer;
    return Buffer.from(mime);
  }

  /** Item ids change on a move: the answer's id is the one to use from now on. */
  async moveToFolder(mailbox: MailboxRef, itemId: string, folder: string): Promise<{ itemId: string; folderId: string }> {
    const destinationId = await this.folderId(mailbox, folder, true);
    if (destinationId === undefined) {
      throw new ProviderError('ProviderRejected', `"${folder}" names no folder`, { tenantId: this.session.tenantId, mailbox: mailbox.address, operation: 'moveToFolder' });
    }
    const moved = await moveOne(mailboxWork(this.session, mailbox, 'moveToFolder'), itemId, destinationId);
    if (!moved) throw this.noSuchItem(mailbox, itemId, 'moveToFolder');
    return { itemId: moved.id, folderId: moved.parentFolderId };
  }

  /** The folder's id, each level looked up before it is created (only when `create`); undefined when missing. */
  private async folderId(mailbox: MailboxRef, folder: string, create: boolean): Promise<string | undefined> {
    if (folder.trim().toLowerCase() === INBOX) return INBOX;
    let parent: string | undefined;
    for (const name of folder.split('/').map((part) => part.trim()).filter((part) => part.length > 0)) {
      const existing = await findChildFolder(this.session, mailbox, parent, name);
      if (existing === undefined && !create) return undefined;
      parent = existing ?? (await ensureFolder(this.session, mailbox, parent, name));
    }
    return parent;
  }

  private call(operation: string, mailbox: MailboxRef): Call {
    return { operation, permission: 'Mail.ReadWrite', mailbox };
  }

  private noSuchItem(mailbox: MailboxRef, itemId: string, operation: string): ProviderError {
    return new ProviderError('ProviderRejected', `${mailbox.address} holds no message ${itemId}`, { tenantId: this.session.tenantId, mailbox: mailbox.address, operation });
  }
}

function listedMessage(message: ListedGraphMessage): ListedMessage {
  return {
    itemId: message.id,
    ...(message.internetMessageId ? { internetMessageId: message.internetMessageId } : {}),
    ...(message.subject != null ? { subject: message.subject } : {}),
    ...(message.from?.emailAddress?.address ? { from: message.from.emailAddress.address } : {}),
    ...(message.receivedDateTime ? { receivedAt: message.receivedDateTime } : {}),
  };
}
