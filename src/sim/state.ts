import { z } from 'zod';
import { WellKnownFolderName } from './folders.js';

/**
 * The simulated tenant's state as records: what `Tenant.toJSON()` writes and `Tenant.fromJSON()`
 * validates, and the shapes the model keeps in memory behind its indexes.
 */

export const StoredMailbox = z.object({
  id: z.string(),
  address: z.string(),
  displayName: z.string().optional(),
  aliases: z.array(z.string()),
  kind: z.enum(['user', 'shared']),
  rootFolderId: z.string(),
});
export type StoredMailbox = z.infer<typeof StoredMailbox>;

export const StoredGroup = z.object({
  id: z.string(),
  address: z.string(),
  displayName: z.string().optional(),
  members: z.array(z.string()),
});
export type StoredGroup = z.infer<typeof StoredGroup>;

export const StoredContact = z.object({
  address: z.string(),
  displayName: z.string().optional(),
});
export type StoredContact = z.infer<typeof StoredContact>;

export const StoredFolder = z.object({
  id: z.string(),
  mailboxId: z.string(),
  /** Null for the mailbox's root folder only. */
  parentId: z.string().nullable(),
  displayName: z.string(),
  wellKnownName: WellKnownFolderName.optional(),
  isHidden: z.boolean(),
});
export type StoredFolder = z.infer<typeof StoredFolder>;

/**
 * Where a message was before it went into quarantine. Kept on the message so a retried
 * quarantine reports the original placement instead of the quarantine folder it already sits in.
 */
export const QuarantineOrigin = z.object({
  folderId: z.string(),
  folderPath: z.string(),
  isRead: z.boolean(),
  incidentId: z.string(),
  pulledAt: z.string(),
});
export type QuarantineOrigin = z.infer<typeof QuarantineOrigin>;

/**
 * The last thing the mailbox's owner did with a message (Exchange's PR_LAST_VERB_EXECUTED and
 * PR_LAST_VERB_EXECUTION_TIME): how a forward is seen on the original, even when the forward
 * itself was deleted.
 */
export const LastVerb = z.object({ verb: z.enum(['reply', 'replyAll', 'forward']), at: z.string() });
export type LastVerb = z.infer<typeof LastVerb>;

export const StoredAttachment = z.object({ filename: z.string(), contentType: z.string(), contentBase64: z.string() });
export type StoredAttachment = z.infer<typeof StoredAttachment>;

export const StoredMessage = z.object({
  /** Never changes, whatever happens to the message (Graph's ImmutableId). */
  immutableId: z.string(),
  /** Changes on every move, as Graph's default ids and EWS ItemIds do. */
  itemId: z.string(),
  mailboxId: z.string(),
  folderId: z.string(),
  isRead: z.boolean(),
  receivedAt: z.string(),
  quarantinedFrom: QuarantineOrigin.optional(),
  /** The folder a soft delete took the message from, while it sits in Recoverable Items (EWS SoftDeleted traversal). */
  softDeletedFrom: z.string().optional(),
  internetMessageId: z.string(),
  from: z.string(),
  to: z.array(z.string()),
  cc: z.array(z.string()),
  subject: z.string(),
  date: z.string(),
  references: z.array(z.string()),
  inReplyTo: z.string().optional(),
  body: z.string(),
  attachments: z.array(StoredAttachment).optional(),
  /** The raw message as it arrived (base64), for a message imported from MIME: exported byte for byte. */
  mime: z.string().optional(),
  lastVerb: LastVerb.optional(),
  /** A message a client created rather than one delivered; Graph creates every message from MIME as a draft. */
  isDraft: z.boolean().optional(),
});
export type StoredMessage = z.infer<typeof StoredMessage>;

export const TenantState = z.object({
  tenantId: z.string(),
  domains: z.array(z.string()),
  mailboxes: z.array(StoredMailbox),
  groups: z.array(StoredGroup),
  contacts: z.array(StoredContact),
  folders: z.array(StoredFolder),
  messages: z.array(StoredMessage),
  /** The next number for a generated id, so ids stay unique across save and load. */
  nextId: z.number().int().min(1),
});
export type TenantState = z.infer<typeof TenantState>;
