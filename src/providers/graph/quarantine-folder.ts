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
 * The look-up includes hidden folders: the quarantine folder is one.
 */
export async function ensureFolder(
  session: GraphSession,
  mailbox: MailboxRef,
  parent: string | undefined,
  displayName: string,
  options: { isHidden?: boolean } = {},
): Promise<string> {
  const base = `/users/${segment(mailbox.mailboxId)}/mailFolders`;
  const collection = parent === undefined ? base : `${base}/${segment(parent)}/childFolders`;
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
  if (created) return created.id;
  const siblings = await session.all<CreatedFolder>(call, (client) => client.api(collection).query({ includeHiddenFolders: 'true' }).select('id,displayName').top(100));
  const existing = siblings.find((folder) => folder.displayName.trim().toLowerCase() === displayName.trim().toLowerCase());
  if (!existing) throw new Error(`${mailbox.address}: Graph says folder "${displayName}" exists but does not list it`);
  return existing.id;
}
