/** Path references (user, folder, message) resolved to the model's records, with Graph's 400-or-404 distinction. */
import { TenantError } from '../errors.js';
import { WellKnownFolderName } from '../folders.js';
import type { FolderView, MessageView, Tenant } from '../model.js';
import type { StoredMailbox } from '../state.js';

/** An id that cannot be one this service issued: Graph answers 400, not 404. */
export class MalformedId extends Error {
  override readonly name = 'MalformedId';
}

/** The model's id shapes: `fld-<n>` for folders, `itm-<n>` (item id) or `imm-<n>` (immutable id) for messages. */
const FOLDER_ID = /^fld-\d+$/;
const MESSAGE_ID = /^(itm|imm)-\d+$/;

/**
 * A user by id or user principal name (the primary address). Aliases are not principal names:
 * Graph finds them only through a `proxyAddresses` filter.
 */
export function findUser(tenant: Tenant, ref: string): StoredMailbox | undefined {
  const byId = tenant.mailbox(ref);
  if (byId) return byId;
  const entry = tenant.resolveAddress(ref);
  return entry?.kind === 'mailbox' && entry.mailbox.address.toLowerCase() === ref.toLowerCase() ? entry.mailbox : undefined;
}

export function requireMailbox(tenant: Tenant, ref: string): StoredMailbox {
  const mailbox = findUser(tenant, ref);
  if (!mailbox) throw new TenantError('MailboxNotFound', `The requested user '${ref}' is invalid.`);
  return mailbox;
}

/** A folder by id or well-known name; Graph does not take paths. */
export function requireFolder(tenant: Tenant, mailboxId: string, ref: string): FolderView {
  if (!WellKnownFolderName.safeParse(ref.toLowerCase()).success && !FOLDER_ID.test(ref)) {
    throw new MalformedId(`Id is malformed: '${ref}' is neither a folder id nor a well-known folder name.`);
  }
  const folder = tenant.findFolder(mailboxId, ref);
  if (!folder) throw new TenantError('FolderNotFound', 'The specified object was not found in the store.', { mailboxId, folderId: ref });
  return folder;
}

export function requireMessage(tenant: Tenant, mailboxId: string, ref: string): MessageView {
  if (!MESSAGE_ID.test(ref)) throw new MalformedId(`Id is malformed: '${ref}'.`);
  const message = tenant.message(mailboxId, ref);
  if (!message) throw new TenantError('ItemNotFound', 'The specified object was not found in the store.', { mailboxId, itemId: ref });
  return message;
}
