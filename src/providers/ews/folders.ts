import { BasePropertySet, FolderSchema, FolderTraversal, FolderView, PropertySet, WellKnownFolderName, type ExchangeService } from 'ews-javascript-api';

/** FindFolder page size: Exchange's EWSFindCountLimit without a restriction. */
const FOLDER_PAGE = 1000;

export interface MailboxFolder {
  id: string;
  displayName: string;
  parentId: string | undefined;
}

/** Display path of the folder the adapter searches outside msgfolderroot. */
export const RECOVERABLE_ITEMS_PATH = 'Recoverable Items';

/**
 * A mailbox's folder tree under msgfolderroot, from one deep FindFolder (paged), for folder paths
 * and for finding Clawback's own folder. Read once per provider call: folders change rarely and a
 * stale path only affects what the incident shows.
 */
export class MailboxFolders {
  private readonly byId: Map<string, MailboxFolder>;

  private constructor(folders: MailboxFolder[]) {
    this.byId = new Map(folders.map((folder) => [folder.id, folder]));
  }

  static async read(service: ExchangeService): Promise<MailboxFolders> {
    const folders: MailboxFolder[] = [];
    for (let offset = 0, more = true; more; ) {
      const view = new FolderView(FOLDER_PAGE, offset);
      view.Traversal = FolderTraversal.Deep;
      view.PropertySet = new PropertySet(BasePropertySet.IdOnly, [FolderSchema.DisplayName, FolderSchema.ParentFolderId]);
      const page = await service.FindFolders(WellKnownFolderName.MsgFolderRoot, view);
      for (const folder of page.Folders) {
        folders.push({ id: folder.Id.UniqueId, displayName: folder.DisplayName, parentId: folder.ParentFolderId?.UniqueId });
      }
      more = page.MoreAvailable && page.NextPageOffset !== null && page.Folders.length > 0;
      offset = page.NextPageOffset ?? offset;
    }
    return new MailboxFolders(folders);
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  /** "Inbox/Invoices": display names from the top of the mailbox down. */
  path(id: string): string | undefined {
    const names: string[] = [];
    for (let folder = this.byId.get(id); folder; folder = folder.parentId ? this.byId.get(folder.parentId) : undefined) names.unshift(folder.displayName);
    return names.length > 0 ? names.join('/') : undefined;
  }

  /** A folder directly under the top of the mailbox, by display name (Exchange compares names case-insensitively). */
  topLevel(displayName: string): MailboxFolder | undefined {
    const wanted = displayName.toLowerCase();
    return [...this.byId.values()].find((folder) => folder.displayName.toLowerCase() === wanted && (!folder.parentId || !this.byId.has(folder.parentId)));
  }

  /** A folder by its path from the top of the mailbox ("Clawback Incidents/inc-1"). */
  byPath(path: string): MailboxFolder | undefined {
    const wanted = path.toLowerCase();
    return [...this.byId.values()].find((folder) => this.path(folder.id)?.toLowerCase() === wanted);
  }
}
