import type { MailboxRef } from '../../domain/mail.js';
import { isGraphError } from './errors.js';
import { segment } from './odata.js';
import type { Call, GraphSession } from './session.js';

export interface GraphFolder {
  id: string;
  displayName: string;
  parentFolderId?: string;
  isHidden?: boolean;
}

/** Recoverable Items sits outside the folders users see; its copies are reported under this path. */
export const RECOVERABLE_ITEMS_PATH = 'Recoverable Items';
const FOLDER_FIELDS = 'id,displayName,parentFolderId,isHidden';
/** Folder nesting deeper than this is a loop in what the service answered, not a real tree. */
const MAX_DEPTH = 64;

/**
 * One mailbox's folders as far as a provider call needs them: the top level (hidden folders
 * included, so the quarantine folder is seen) listed once, deeper folders fetched one by one
 * as copies are found in them. Lives for one provider call.
 */
export class FolderTree {
  private readonly byId = new Map<string, GraphFolder | undefined>();
  private readonly byWellKnownName = new Map<string, GraphFolder>();
  private top: Promise<GraphFolder[]> | undefined;

  constructor(
    private readonly session: GraphSession,
    private readonly mailbox: MailboxRef,
  ) {}

  private call(operation: string): Call {
    return { operation, permission: 'Mail.ReadWrite', mailbox: this.mailbox };
  }

  private get base(): string {
    return `/users/${segment(this.mailbox.mailboxId)}/mailFolders`;
  }

  topLevel(): Promise<GraphFolder[]> {
    this.top ??= this.session
      .all<GraphFolder>(this.call('listFolders'), (client) => client.api(this.base).query({ includeHiddenFolders: 'true' }).select(FOLDER_FIELDS).top(100))
      .then((folders) => {
        for (const folder of folders) this.byId.set(folder.id, folder);
        return folders;
      });
    return this.top;
  }

  async topLevelNamed(displayName: string): Promise<GraphFolder | undefined> {
    const wanted = displayName.trim().toLowerCase();
    return (await this.topLevel()).find((folder) => folder.displayName.trim().toLowerCase() === wanted);
  }

  /** A folder by id or well-known name; undefined when the mailbox no longer has it. */
  async folder(ref: string): Promise<GraphFolder | undefined> {
    const known = this.byWellKnownName.get(ref) ?? this.byId.get(ref);
    if (known || this.byId.has(ref)) return known;
    const folder = await this.session.call(this.call('getFolder'), (client) =>
      client
        .api(`${this.base}/${segment(ref)}`)
        .select(FOLDER_FIELDS)
        .get()
        .catch((error: unknown) => {
          if (isGraphError(error, 404, 'ErrorItemNotFound') || isGraphError(error, 400, 'ErrorInvalidIdMalformed')) return undefined;
          throw error;
        }),
    ) as GraphFolder | undefined;
    this.byId.set(folder?.id ?? ref, folder);
    if (folder && folder.id !== ref) this.byWellKnownName.set(ref, folder);
    return folder;
  }

  async wellKnownId(name: string): Promise<string> {
    const folder = await this.folder(name);
    if (!folder) throw new Error(`${this.mailbox.address} has no ${name} folder`);
    return folder.id;
  }

  /** The folder's path from the top ("Inbox/Invoices"), and the top-level folder it sits in. */
  async placement(folderId: string): Promise<{ path: string; top: GraphFolder | undefined }> {
    const top = await this.topLevel();
    const rootId = top[0]?.parentFolderId;
    const names: string[] = [];
    let current = await this.folder(folderId);
    let topFolder: GraphFolder | undefined;
    for (let depth = 0; current && depth < MAX_DEPTH; depth++) {
      names.unshift(current.displayName);
      topFolder = current;
      if (!current.parentFolderId || current.parentFolderId === rootId) break;
      current = await this.folder(current.parentFolderId);
    }
    return { path: names.join('/') || folderId, top: topFolder };
  }
}
