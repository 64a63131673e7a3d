import type { MailboxRef } from '../../domain/mail.js';
import { isGraphError } from './errors.js';
import { segment } from './odata.js';
import type { GraphSession } from './session.js';

interface CreatedFolder {
  id: string;
  displayName: string;
}

/**
 * A folder by name under a parent, created when missing. Creating first and looking up on
 * 409 ErrorFolderExists costs one request in the usual case and is safe when two workers race.
 * The look-up includes hidden folders: the quarantine folder is one. `onCreated` hears of the
 * folder only when this call made it.
 */
export async function ensureFolder(
  session: GraphSession,
  mailbox: MailboxRef,
  parent: string | undefined,
  displayName: string,
  options: { isHidden?: boolean; onCreated?: (folderId: string) => void } = {},
): Promise<string> {
  const collection = childFoldersPath(mailbox, parent);
  const call = { operation: 'createFolder', permission: 'Mail.ReadWrite' as const, mailbox };
  const created = await session.call(call, (client) =>
    client
      .api(collection)
      .post({ displayName, ...(options.isHidden ? { isHidden: true } : {}) })
      .catch((error: unknown) => {
        if (isGraphError(error, 409, 'ErrorFolderExists')) return undefined;
        throw error;
      }),
  ) as CreatedFolder | undefined;
  if (created) {
    options.onCreated?.(created.id);
    return created.id;
  }
  const existing = await findChildFolder(session, mailbox, parent, displayName);
  if (!existing) throw new Error(`${mailbox.address}: Graph says folder "${displayName}" exists but does not list it`);
  return existing;
}

/** The id of the folder named `displayName` (compared as Exchange does, case-insensitively) under a parent, hidden ones included. */
export async function findChildFolder(session: GraphSession, mailbox: MailboxRef, parent: string | undefined, displayName: string): Promise<string | undefined> {
  const call = { operation: 'listFolders', permission: 'Mail.ReadWrite' as const, mailbox };
  const siblings = await session.all<CreatedFolder>(call, (client) => client.api(childFoldersPath(mailbox, parent)).query({ includeHiddenFolders: 'true' }).select('id,displayName').top(100));
  return siblings.find((folder) => folder.displayName.trim().toLowerCase() === displayName.trim().toLowerCase())?.id;
}

/** The top of the mailbox when `parent` is absent. */
function childFoldersPath(mailbox: MailboxRef, parent: string | undefined): string {
  const base = `/users/${segment(mailbox.mailboxId)}/mailFolders`;
  return parent === undefined ? base : `${base}/${segment(parent)}/childFolders`;
}
