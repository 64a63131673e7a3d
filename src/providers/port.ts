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
