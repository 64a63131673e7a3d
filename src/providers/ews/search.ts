import { EmailMessage, FolderId, WellKnownFolderName, type ExchangeService } from 'ews-javascript-api';
import { fallbackMatcher, type MailboxRef, type MessageCopy, type MessageQuery } from '../../domain/mail.js';
import type { CallContext } from './errors.js';
import { COPY_PROPERTIES, findItems, messageIdFilter, type FoundItem } from './find-items.js';
import { MailboxFolders, RECOVERABLE_ITEMS_PATH } from './folders.js';

/** Recoverable Items lies outside msgfolderroot, so a deep FindFolder never lists it: it is searched by name. */
const RECOVERABLE_ITEMS = new FolderId(WellKnownFolderName.RecoverableItemsDeletions);

/**
 * Searching one mailbox over one service: the folder tree read once, then FindItem over every
 * folder and Recoverable Items. `exclude` leaves a folder out (the quarantine folder, whose copies
 * are already contained).
 */
export class MailboxSearch {
  private constructor(
    readonly service: ExchangeService,
    readonly folders: MailboxFolders,
    private readonly mailbox: MailboxRef,
    private readonly at: CallContext,
  ) {}

  static async open(service: ExchangeService, mailbox: MailboxRef, at: CallContext): Promise<MailboxSearch> {
    return new MailboxSearch(service, await MailboxFolders.read(service), mailbox, at);
  }

  /** Copies with this Message-ID, in every folder but `exclude`. */
  async byMessageId(messageId: string, exclude?: string): Promise<MessageCopy[]> {
    const found = await findItems(this.service, this.searchable(exclude), messageIdFilter(messageId), COPY_PROPERTIES, this.at);
    return found.map((hit) => this.copyOf(hit));
  }

  /** When the Message-ID was rewritten on the way in: same sender and subject, inside the time window. */
  async bySenderAndSubject(query: MessageQuery, exclude?: string): Promise<MessageCopy[]> {
    const matches = fallbackMatcher(query);
    if (!matches) return [];
    const everything = await findItems(this.service, this.searchable(exclude), null, COPY_PROPERTIES, this.at);
    return everything
      .filter(({ item }) => item instanceof EmailMessage && matches({ from: item.From?.Address, subject: item.Subject, receivedAt: item.DateTimeReceived.TotalMilliSeconds }))
      .map((hit) => this.copyOf(hit));
  }

  private searchable(exclude: string | undefined): FolderId[] {
    return [...this.folders.ids().filter((id) => id !== exclude).map((id) => new FolderId(id)), RECOVERABLE_ITEMS];
  }

  private copyOf({ item, folder }: FoundItem): MessageCopy {
    const folderId = item.ParentFolderId.UniqueId;
    const message = item as EmailMessage;
    return {
      mailbox: this.mailbox,
      itemId: item.Id.UniqueId,
      internetMessageId: message.InternetMessageId,
      folderId,
      folderPath: this.folders.path(folderId) ?? (folder === RECOVERABLE_ITEMS ? RECOVERABLE_ITEMS_PATH : folderId),
      isRead: message.IsRead,
      subject: item.Subject,
      receivedAt: item.DateTimeReceived.ToISOString(),
    };
  }
}
