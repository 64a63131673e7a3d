import {
  BasePropertySet,
  EmailMessageSchema,
  FolderId,
  ItemId,
  ItemSchema,
  ItemView,
  PropertySet,
  ServiceError,
  ServiceResult,
  SortDirection,
  WellKnownFolderName,
  type EmailMessage,
  type ExchangeService,
} from 'ews-javascript-api';
import type { ListedMessage, MailboxRef } from '../../domain/mail.js';
import { ProviderError } from '../errors.js';
import type { EwsConnection } from './connection.js';
import { providerContext, responseError, type CallContext } from './errors.js';
import { MailboxFolders } from './folders.js';
import { ITEM_GONE, moveItems } from './moves.js';
import type { QuarantineFolders } from './quarantine-folders.js';

/** FindItem's largest page without a restriction (EWSFindCountLimit). */
const MAX_PAGE = 1000;
const LISTED_PROPERTIES = [EmailMessageSchema.InternetMessageId, ItemSchema.Subject, EmailMessageSchema.From, ItemSchema.DateTimeReceived];

/**
 * ReportFolders over EWS: a folder is the well-known Inbox or a path of display names under the
 * top of the mailbox; a move creates the missing levels (visible) through the provider's folder
 * cache, which remembers each path once made.
 */
export class EwsReportFolders {
  constructor(
    private readonly connection: EwsConnection,
    private readonly folders: QuarantineFolders,
  ) {}

  listMessages(mailbox: MailboxRef, folder: string, limit: number): Promise<ListedMessage[]> {
    return this.connection.call('listMessages', mailbox.address, async (service) => {
      const folderId = await existingFolder(service, folder);
      return folderId ? listOldestFirst(service, folderId, limit) : [];
    });
  }

  readMime(mailbox: MailboxRef, itemId: string): Promise<Buffer> {
    const at = this.connection.context('readMime', mailbox.address);
    return this.connection.call('readMime', mailbox.address, async (service) => {
      const [response] = (await service.BindToItems([new ItemId(itemId)], new PropertySet(BasePropertySet.IdOnly, [ItemSchema.MimeContent]))).Responses;
      if (response?.Result === ServiceResult.Error) throw ITEM_GONE.has(response.ErrorCode) ? noSuchItem(at, mailbox, itemId) : responseError(response, at);
      return Buffer.from(response!.Item.MimeContent.Content, 'base64');
    });
  }

  /**
   * Back to the Inbox by its well-known name (its display name is the mailbox's language's), else
   * into the path; a folder deleted since it was remembered is forgotten and made again, once.
   */
  moveToFolder(mailbox: MailboxRef, itemId: string, folder: string): Promise<{ itemId: string; folderId: string }> {
    const at = this.connection.context('moveToFolder', mailbox.address);
    const segments = folder.split('/').map((part) => part.trim()).filter((part) => part.length > 0);
    return this.connection.call('moveToFolder', mailbox.address, async (service) => {
      if (isInbox(folder)) {
        const newItemId = await this.moveOne(service, itemId, new FolderId(WellKnownFolderName.Inbox), mailbox, folder, at);
        return { itemId: newItemId, folderId: await parentFolderOf(service, newItemId, at) };
      }
      if (segments.length === 0) throw new ProviderError('ProviderRejected', `"${folder}" names no folder`, providerContext(at));
      for (let attempt = 1; ; attempt++) {
        const folderId = await this.folders.ensurePath(service, mailbox.address, segments, false);
        try {
          return { itemId: await this.moveOne(service, itemId, new FolderId(folderId), mailbox, folder, at), folderId };
        } catch (error) {
          if (!(error instanceof FolderGone) || attempt > 1) throw error;
          this.folders.forget(mailbox.address);
        }
      }
    });
  }

  private async moveOne(service: ExchangeService, itemId: string, to: FolderId, mailbox: MailboxRef, folder: string, at: CallContext): Promise<string> {
    const outcome = (await moveItems(service, [itemId], to, 1, at)).get(itemId)!;
    if (outcome.moved) return outcome.newItemId;
    if (ITEM_GONE.has(outcome.code)) throw noSuchItem(at, mailbox, itemId);
    const refusal = `Exchange refused to move ${itemId} in ${mailbox.address} to "${folder}": ${outcome.detail}`;
    if (outcome.code === ServiceError.ErrorFolderNotFound) throw new FolderGone(refusal, providerContext(at));
    throw new ProviderError('ProviderRejected', refusal, providerContext(at));
  }
}

/** The destination folder no longer exists (an administrator deleted it). */
class FolderGone extends ProviderError {
  constructor(message: string, context: ProviderError['context']) {
    super('ProviderRejected', message, context);
  }
}

function isInbox(folder: string): boolean {
  return folder.trim().toLowerCase() === 'inbox';
}

/** Where an item is, read off the item: EWS names a well-known folder without telling its id. */
async function parentFolderOf(service: ExchangeService, itemId: string, at: CallContext): Promise<string> {
  const [response] = (await service.BindToItems([new ItemId(itemId)], new PropertySet(BasePropertySet.IdOnly, [ItemSchema.ParentFolderId]))).Responses;
  if (response?.Result === ServiceResult.Error) throw responseError(response, at);
  return response!.Item.ParentFolderId.UniqueId;
}

async function existingFolder(service: ExchangeService, folder: string): Promise<FolderId | undefined> {
  if (isInbox(folder)) return new FolderId(WellKnownFolderName.Inbox);
  const found = (await MailboxFolders.read(service)).byPath(folder.split('/').map((part) => part.trim()).join('/'));
  return found && new FolderId(found.id);
}

/** FindItem sorted by DateTimeReceived ascending, pages of `limit` (at most the find limit) until `limit` are listed. */
async function listOldestFirst(service: ExchangeService, folder: FolderId, limit: number): Promise<ListedMessage[]> {
  const listed: ListedMessage[] = [];
  for (let more = true; more && listed.length < limit; ) {
    const view = new ItemView(Math.min(limit - listed.length, MAX_PAGE), listed.length);
    view.PropertySet = new PropertySet(BasePropertySet.IdOnly, LISTED_PROPERTIES);
    view.OrderBy.Add(ItemSchema.DateTimeReceived, SortDirection.Ascending);
    const page = await service.FindItems(folder, view);
    listed.push(...page.Items.map((item) => listedMessage(item as EmailMessage)));
    more = page.MoreAvailable && page.Items.length > 0;
  }
  return listed;
}

function listedMessage(item: EmailMessage): ListedMessage {
  return {
    itemId: item.Id.UniqueId,
    ...(item.InternetMessageId ? { internetMessageId: item.InternetMessageId } : {}),
    ...(item.Subject != null ? { subject: item.Subject } : {}),
    ...(item.From?.Address ? { from: item.From.Address } : {}),
    ...(item.DateTimeReceived ? { receivedAt: item.DateTimeReceived.ToISOString() } : {}),
  };
}

function noSuchItem(at: CallContext, mailbox: MailboxRef, itemId: string): ProviderError {
  return new ProviderError('ProviderRejected', `${mailbox.address} holds no message ${itemId}`, providerContext(at));
}
