import {
  BasePropertySet,
  ExtendedPropertyDefinition,
  Folder,
  FolderId,
  ItemSchema,
  ItemView,
  MapiPropertyType,
  PropertySet,
  ServiceError,
  ServiceResponseException,
  WellKnownFolderName,
  type ExchangeService,
} from 'ews-javascript-api';
import type { CreatedFolder, QuarantineAction } from '../../domain/mail.js';
import { MailboxFolders } from './folders.js';

/** PR_ATTR_HIDDEN: mail clients do not show a folder with this flag set. */
const HIDDEN_PROPERTY = new ExtendedPropertyDefinition(0x10f4, MapiPropertyType.Boolean);

export interface QuarantineTarget {
  folder: FolderId;
  /** The folder's id; undefined for a well-known folder that holds nothing yet (EWS names it, we cannot see its id). */
  id: string | undefined;
}

/**
 * The folders Clawback moves into, per mailbox, remembered for the provider's lifetime so each is
 * created (or looked up) once: the hidden quarantine folder, the evidence folders, and the ids of
 * Junk Email and Recoverable Items.
 */
export class QuarantineFolders {
  private readonly known = new Map<string, string>();

  constructor(private readonly folderName: string) {}

  /** `created` hears of the quarantine folder when this call is the one that made it. */
  async target(service: ExchangeService, mailbox: string, action: QuarantineAction, created?: CreatedFolder[]): Promise<QuarantineTarget> {
    switch (action) {
      case 'quarantine-folder':
      case 'quarantine-mailbox': {
        const id = await this.ensurePath(service, mailbox, [this.folderName], true, created);
        return { folder: new FolderId(id), id };
      }
      case 'junk':
        return this.wellKnown(service, mailbox, WellKnownFolderName.JunkEmail);
      case 'soft-delete':
        return this.wellKnown(service, mailbox, WellKnownFolderName.RecoverableItemsDeletions);
    }
  }

  /**
   * `segments` under the top of the mailbox, each created when missing (ErrorFolderExists: it is
   * there already). `created` hears of each folder this call made.
   */
  async ensurePath(service: ExchangeService, mailbox: string, segments: string[], hidden: boolean, created?: CreatedFolder[]): Promise<string> {
    let parent = new FolderId(WellKnownFolderName.MsgFolderRoot);
    let id = '';
    for (let depth = 1; depth <= segments.length; depth++) {
      const path = segments.slice(0, depth).join('/');
      const key = `${mailbox}/${path}`.toLowerCase();
      const known = this.known.get(key);
      if (known) id = known;
      else {
        const folder = await this.create(service, parent, segments[depth - 1]!, path, hidden);
        id = folder.id;
        if (folder.made) created?.push({ mailbox, folderId: id, path, hidden });
      }
      this.known.set(key, id);
      parent = new FolderId(id);
    }
    return id;
  }

  /** Forgets a folder that turned out to be gone (deleted by an administrator), so the next call creates it again. */
  forget(mailbox: string): void {
    for (const key of this.known.keys()) if (key.startsWith(`${mailbox.toLowerCase()}/`)) this.known.delete(key);
  }

  /** `made` is false when the folder turned out to exist already. */
  private async create(service: ExchangeService, parent: FolderId, displayName: string, path: string, hidden: boolean): Promise<{ id: string; made: boolean }> {
    const folder = new Folder(service);
    folder.DisplayName = displayName;
    if (hidden) folder.SetExtendedProperty(HIDDEN_PROPERTY, true);
    try {
      await folder.Save(parent);
      return { id: folder.Id.UniqueId, made: true };
    } catch (error) {
      if (!(error instanceof ServiceResponseException && error.ErrorCode === ServiceError.ErrorFolderExists)) throw error;
      const existing = (await MailboxFolders.read(service)).byPath(path);
      if (!existing) throw error;
      return { id: existing.id, made: false };
    }
  }

  /** A well-known folder's id, read off an item in it: the adapter needs it to recognise copies already there. */
  private async wellKnown(service: ExchangeService, mailbox: string, name: WellKnownFolderName): Promise<QuarantineTarget> {
    const folder = new FolderId(name);
    const key = `${mailbox}/#${WellKnownFolderName[name]}`.toLowerCase();
    const cached = this.known.get(key);
    if (cached) return { folder, id: cached };
    const view = new ItemView(1);
    view.PropertySet = new PropertySet(BasePropertySet.IdOnly, [ItemSchema.ParentFolderId]);
    const id = (await service.FindItems(folder, view)).Items[0]?.ParentFolderId.UniqueId;
    if (id) this.known.set(key, id);
    return { folder, id };
  }
}
