import type {
  GroupExpansion,
  GroupRef,
  MailboxRef,
  MessageCopy,
  MessageQuery,
  PullRecord,
  PullResult,
  QuarantineAction,
  Resolution,
  RestoreResult,
  Forward,
  ListedMessage,
} from '../domain/mail.js';

/**
 * What the incident pipeline needs from a mail system. Adapters own their wire format; nothing
 * outside `src/providers/<name>/` sees it. Every method is safe to retry: `quarantine` and
 * `restore` recognise work already done (the copy already in quarantine, already back) and
 * report it as done instead of moving twice.
 */
export interface MailProvider {
  readonly tenantId: string;
  /** Addresses (primary or alias) to mailboxes, lists, external or unknown addresses. */
  resolve(addresses: string[]): Promise<Resolution[]>;
  /** Transitive, cycle-safe membership of a list. */
  expandGroup(group: GroupRef): Promise<GroupExpansion>;
  /** Every copy in every folder of the mailbox, including deleted and recoverable items. */
  findCopies(mailbox: MailboxRef, query: MessageQuery): Promise<MessageCopy[]>;
  /** Forwards of `original` that this mailbox sent, each with its own Message-ID. */
  findForwards(mailbox: MailboxRef, original: MessageCopy): Promise<Forward[]>;
  /** Moves copies (all from one mailbox) out of the user's reach, recording how to undo. */
  quarantine(copies: MessageCopy[], action: QuarantineAction, incidentId: string): Promise<PullResult[]>;
  /** Puts pulled copies (all from one mailbox) back where they were, read state included. */
  restore(records: PullRecord[]): Promise<RestoreResult[]>;
}

/**
 * What watching an abuse mailbox needs: read what users reported, then file it away. A folder is
 * `inbox` or a path of display names ("Clawback/Processed"; Gmail: a label of that name).
 */
export interface ReportFolders {
  /** At most `limit` messages directly in the folder, oldest first where the service can sort. */
  listMessages(mailbox: MailboxRef, folder: string, limit: number): Promise<ListedMessage[]>;
  /** The message's raw RFC 5322 bytes, as received. */
  readMime(mailbox: MailboxRef, itemId: string): Promise<Buffer>;
  /**
   * Moves the message into the folder (created, visible to the mailbox's users, when missing).
   * Throws ProviderError `ProviderRejected` when no such item exists.
   */
  moveToFolder(mailbox: MailboxRef, itemId: string, folder: string): Promise<{ itemId: string; folderId: string }>;
}
