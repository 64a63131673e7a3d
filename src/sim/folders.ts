import { z } from 'zod';

/** The folders every simulated mailbox has, by the well-known names Graph and EWS accept as ids. */
export const WellKnownFolderName = z.enum([
  'msgfolderroot',
  'inbox',
  'sentitems',
  'drafts',
  'deleteditems',
  'junkemail',
  'archive',
  'recoverableitemsdeletions',
]);
export type WellKnownFolderName = z.infer<typeof WellKnownFolderName>;

export const ROOT_FOLDER_NAME = 'Top of Information Store';

/**
 * The root's children, created with every mailbox. Recoverable Items is hidden because mail
 * clients never show it: it is where a soft delete lands.
 */
export const WELL_KNOWN_CHILD_FOLDERS: readonly {
  wellKnownName: Exclude<WellKnownFolderName, 'msgfolderroot'>;
  displayName: string;
  isHidden: boolean;
}[] = [
  { wellKnownName: 'inbox', displayName: 'Inbox', isHidden: false },
  { wellKnownName: 'sentitems', displayName: 'Sent Items', isHidden: false },
  { wellKnownName: 'drafts', displayName: 'Drafts', isHidden: false },
  { wellKnownName: 'deleteditems', displayName: 'Deleted Items', isHidden: false },
  { wellKnownName: 'junkemail', displayName: 'Junk Email', isHidden: false },
  { wellKnownName: 'archive', displayName: 'Archive', isHidden: false },
  { wellKnownName: 'recoverableitemsdeletions', displayName: 'Recoverable Items', isHidden: true },
];

export const PATH_SEPARATOR = '/';

/** Splits "Inbox/Invoices" into its segments; empty segments make the path invalid. */
export function pathSegments(path: string): string[] {
  return path.split(PATH_SEPARATOR).map((segment) => segment.trim());
}

export function isValidFolderPath(path: string): boolean {
  const segments = pathSegments(path);
  return segments.length > 0 && segments.every((segment) => segment.length > 0);
}

/** Gmail's system labels for the folders that have one; archive and recoverable items have none. */
const SYSTEM_LABELS: Partial<Record<WellKnownFolderName, string>> = {
  inbox: 'INBOX',
  sentitems: 'SENT',
  drafts: 'DRAFT',
  deleteditems: 'TRASH',
  junkemail: 'SPAM',
};

/**
 * The labels a Gmail face shows for a message: one per folder (a user folder is a user label
 * named after its id) plus UNREAD. Derived, never stored, so folders stay the one truth.
 */
export function gmailLabelIds(folder: { id: string; wellKnownName?: WellKnownFolderName | undefined }, isRead: boolean): string[] {
  const folderLabel = folder.wellKnownName ? SYSTEM_LABELS[folder.wellKnownName] : `Label_${folder.id}`;
  return [...(folderLabel ? [folderLabel] : []), ...(isRead ? [] : ['UNREAD'])];
}
