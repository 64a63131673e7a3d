import { z } from 'zod';

/** A mailbox Clawback can search and move mail in. */
export const MailboxRef = z.object({
  tenantId: z.string(),
  mailboxId: z.string().describe("the provider's id for the mailbox"),
  address: z.string().describe('primary SMTP address'),
  kind: z.enum(['user', 'shared']),
});
export type MailboxRef = z.infer<typeof MailboxRef>;

export const GroupRef = z.object({
  tenantId: z.string(),
  groupId: z.string(),
  address: z.string(),
});
export type GroupRef = z.infer<typeof GroupRef>;

/** What one recipient address turned out to be. */
export const Resolution = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('mailbox'), address: z.string(), mailbox: MailboxRef }),
  z.object({ kind: z.literal('group'), address: z.string(), group: GroupRef }),
  z.object({ kind: z.literal('external'), address: z.string() }),
  z.object({ kind: z.literal('unknown'), address: z.string(), reason: z.string() }),
]);
export type Resolution = z.infer<typeof Resolution>;

/** A list's transitive membership, cycles and nesting already flattened. */
export const GroupExpansion = z.object({
  group: GroupRef,
  mailboxes: z.array(MailboxRef),
  external: z.array(z.string()),
  nestedGroups: z.array(GroupRef),
});
export type GroupExpansion = z.infer<typeof GroupExpansion>;

export const MessageQuery = z.object({
  messageId: z.string(),
  /** Fallback match when the Message-ID was rewritten on the way in. */
  sender: z.string().optional(),
  subject: z.string().optional(),
  receivedAfter: z.string().optional(),
  receivedBefore: z.string().optional(),
});
export type MessageQuery = z.infer<typeof MessageQuery>;

/**
 * The fallback match when the Message-ID was rewritten on the way in: the same sender and the same
 * subject (case and surrounding space aside), received inside the query's window. Undefined when
 * the query gives no sender or subject, so there is no fallback to search for.
 */
export function fallbackMatcher(query: MessageQuery): ((message: { from?: string; subject?: string; receivedAt: number }) => boolean) | undefined {
  const { sender, subject, receivedAfter, receivedBefore } = query;
  if (!sender || !subject) return undefined;
  const after = receivedAfter ? Date.parse(receivedAfter) : -Infinity;
  const before = receivedBefore ? Date.parse(receivedBefore) : Infinity;
  return (message) =>
    message.from?.toLowerCase() === sender.toLowerCase() &&
    message.subject?.trim().toLowerCase() === subject.trim().toLowerCase() &&
    message.receivedAt >= after &&
    message.receivedAt <= before;
}

/** One copy of a message in one folder of one mailbox, as found. */
export const MessageCopy = z.object({
  mailbox: MailboxRef,
  itemId: z.string(),
  internetMessageId: z.string(),
  folderId: z.string(),
  folderPath: z.string().describe('human-readable folder path, e.g. "Inbox/Projects"'),
  isRead: z.boolean(),
  subject: z.string().optional(),
  receivedAt: z.string().optional(),
  /** Provider-specific placement undo needs beyond the folder (Gmail: the labels). */
  labelIds: z.array(z.string()).optional(),
});
export type MessageCopy = z.infer<typeof MessageCopy>;

/** An internal forward of a message, found in the forwarder's sent mail. */
export const Forward = z.object({
  from: MailboxRef,
  messageId: z.string().describe("the forward's own, new Message-ID"),
  recipients: z.array(z.string()),
  subject: z.string().optional(),
  sentAt: z.string().optional(),
});
export type Forward = z.infer<typeof Forward>;

/**
 * `quarantine-folder`: into a hidden folder (Gmail: a hidden label) in the mailbox itself;
 * `quarantine-mailbox`: the same, plus a raw copy into the security team's quarantine mailbox,
 * one folder per incident; `soft-delete`: into the recoverable items (Gmail: trash); `junk`.
 */
export const QuarantineAction = z.enum(['quarantine-folder', 'quarantine-mailbox', 'soft-delete', 'junk']);
export type QuarantineAction = z.infer<typeof QuarantineAction>;

/** Everything undo needs to put one pulled copy back exactly where and how it was. */
export const PullRecord = z.object({
  copy: MessageCopy,
  action: QuarantineAction,
  quarantinedItemId: z.string(),
  quarantineFolderId: z.string(),
  pulledAt: z.string(),
  /**
   * Set when the service would not take the copy fully out of its owner's sight (Gmail keeps a
   * sent message in Sent whatever its labels): the copy is pulled, and listed as residual exposure.
   */
  stillVisible: z.string().optional(),
  /** `quarantine-mailbox`: the raw copy kept as evidence; undo leaves it where it is. */
  evidence: z.object({ mailbox: z.string(), folderId: z.string(), itemId: z.string() }).optional(),
});
export type PullRecord = z.infer<typeof PullRecord>;

/** A folder (Gmail: a label) a pull had to make: a provider mutation the audit trail records like a move. */
export const CreatedFolder = z.object({
  mailbox: z.string().describe('primary address of the mailbox the folder was made in'),
  folderId: z.string(),
  path: z.string().describe('e.g. "Clawback Quarantine" or "Clawback Incidents/<incident>"'),
  hidden: z.boolean(),
});
export type CreatedFolder = z.infer<typeof CreatedFolder>;

/**
 * Set on the first result of the call that made the folders, whatever that result's outcome (a
 * folder is made before the moves, even when every copy turns out gone). Absent on results
 * recorded before folder creations were reported.
 */
const createdFolders = z.array(CreatedFolder).optional();

export const PullResult = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('pulled'), itemId: z.string(), record: PullRecord, createdFolders }),
  /** A retry, or a second incident, met the copy already in quarantine: nothing was moved. */
  z.object({ outcome: z.literal('already-quarantined'), itemId: z.string(), record: PullRecord, createdFolders }),
  z.object({ outcome: z.literal('gone'), itemId: z.string(), detail: z.string(), createdFolders }),
  z.object({ outcome: z.literal('failed'), itemId: z.string(), detail: z.string(), createdFolders }),
]);
export type PullResult = z.infer<typeof PullResult>;

export const RestoreResult = z.discriminatedUnion('outcome', [
  z.object({
    outcome: z.literal('restored'),
    itemId: z.string(),
    folderId: z.string(),
    folderPath: z.string(),
    /** False when the original folder no longer existed and the copy went to the inbox. */
    originalFolder: z.boolean(),
  }),
  /** The user or retention removed the copy from quarantine meanwhile. */
  z.object({ outcome: z.literal('missing'), itemId: z.string(), detail: z.string() }),
  z.object({ outcome: z.literal('failed'), itemId: z.string(), detail: z.string() }),
]);
export type RestoreResult = z.infer<typeof RestoreResult>;

/** Identifies one found copy for the whole incident, whatever the provider does to item ids later. */
export function copyKey(copy: Pick<MessageCopy, 'mailbox' | 'itemId'>): string {
  return `${copy.mailbox.tenantId}/${copy.mailbox.mailboxId}/${copy.itemId}`;
}

export function mailboxKey(mailbox: Pick<MailboxRef, 'tenantId' | 'mailboxId'>): string {
  return `${mailbox.tenantId}/${mailbox.mailboxId}`;
}

/** A message as a folder listing shows it, before its content is read (abuse mailboxes). */
export const ListedMessage = z.object({
  itemId: z.string(),
  internetMessageId: z.string().optional(),
  subject: z.string().optional(),
  from: z.string().optional(),
  receivedAt: z.string().optional(),
});
export type ListedMessage = z.infer<typeof ListedMessage>;
