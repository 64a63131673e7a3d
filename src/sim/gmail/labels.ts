import type { gmail_v1 } from 'googleapis';
import { gmailLabelIds, PATH_SEPARATOR, pathSegments, type WellKnownFolderName } from '../folders.js';
import { TenantError } from '../errors.js';
import type { FolderView, MessageView, Tenant } from '../model.js';

/**
 * Gmail labels over the model, which keeps each message in exactly one folder:
 *
 * | Gmail label                  | model                                                   |
 * |------------------------------|---------------------------------------------------------|
 * | INBOX, SPAM, TRASH           | Inbox, Junk Email, Deleted Items (at most one of these) |
 * | SENT, DRAFT                  | Sent Items, Drafts; read-only, as in Gmail              |
 * | `Label_<folderId>`           | a user folder, named by its path ("Inbox/Invoices");    |
 * |                              | a hidden folder is a label with labelHide / hide        |
 * | UNREAD                       | `isRead` false                                          |
 * | no placement label           | Archive (only "All Mail" shows it)                      |
 * | STARRED, IMPORTANT, and any  | `extraLabels` below, by immutable id                    |
 * | label beyond the folder's    |                                                         |
 *
 * A message's folder is its most visible label: TRASH, SPAM, INBOX, SENT, DRAFT, then visible
 * user labels, then hidden ones, then Archive. So a message labelled INBOX and the quarantine
 * label is still in the Inbox folder, as a Gmail user would still see it there; it moves to
 * the hidden folder only once INBOX is removed. Messages in Recoverable Items have no Gmail
 * counterpart and are not shown.
 *
 * Trash adds TRASH, so INBOX and SPAM go; untrash only removes TRASH, so a message trashed from
 * the inbox comes back archived unless the client restores INBOX itself (inferred: undo must
 * re-apply the labelIds it recorded, as PROVIDERS.md advises).
 */

const FOLDER_OF_SYSTEM_LABEL = {
  INBOX: 'inbox',
  SPAM: 'junkemail',
  TRASH: 'deleteditems',
  SENT: 'sentitems',
  DRAFT: 'drafts',
} as const satisfies Record<string, WellKnownFolderName>;
type FolderLabel = keyof typeof FOLDER_OF_SYSTEM_LABEL;

/** A message has at most one of these; adding one drops the others, the first listed winning. */
const EXCLUSIVE_LABELS = ['TRASH', 'SPAM', 'INBOX'] as const;
const PLACEMENT_ORDER: readonly FolderLabel[] = ['TRASH', 'SPAM', 'INBOX', 'SENT', 'DRAFT'];
/** Gmail refuses to add or remove these by modify: only sending or drafting sets them. */
const READ_ONLY_LABELS = new Set(['SENT', 'DRAFT']);
/** System labels with no folder behind them. */
const FLAG_LABELS = new Set(['UNREAD', 'STARRED', 'IMPORTANT']);
export const SYSTEM_LABEL_IDS = [...PLACEMENT_ORDER, ...FLAG_LABELS];

const USER_LABEL_PREFIX = 'Label_';

/** The label a folder stands for, if any: without UNREAD, `gmailLabelIds` gives just that. */
function folderLabelOf(folder: FolderView): string | undefined {
  return gmailLabelIds(folder, true)[0];
}

export type LabelVisibility = Required<Pick<gmail_v1.Schema$Label, 'labelListVisibility' | 'messageListVisibility'>>;

/** A label id the mailbox does not have, or one a client may not set; worded as Gmail words each. */
export class InvalidLabel extends Error {
  constructor(
    readonly labelId: string,
    problem: 'unknown' | 'readOnly',
  ) {
    super(problem === 'unknown' ? 'labelId not found' : `Invalid label: ${labelId}`);
    this.name = 'InvalidLabel';
  }
}

/** Gmail's view of one tenant: labels over folders, plus the label state folders cannot hold. */
export class LabelModel {
  private readonly extraLabels = new Map<string, Set<string>>();
  private readonly visibility = new Map<string, LabelVisibility>();

  constructor(private readonly tenant: Tenant) {}

  /** The messages Gmail shows for the mailbox: all but those in Recoverable Items. */
  messages(mailboxId: string): MessageView[] {
    return this.tenant.messagesOf(mailboxId).filter((message) => this.isShown(message));
  }

  message(mailboxId: string, id: string): MessageView | undefined {
    const message = this.tenant.message(mailboxId, id);
    return message && this.isShown(message) ? message : undefined;
  }

  labelIds(message: MessageView): string[] {
    const folderLabel = folderLabelOf(this.tenant.requireFolder(message.mailboxId, message.folderId));
    const extras = [...(this.extraLabels.get(message.immutableId) ?? [])].filter(
      (labelId) => labelId !== folderLabel && (!labelId.startsWith(USER_LABEL_PREFIX) || this.userFolder(message.mailboxId, labelId)),
    );
    return [...(folderLabel ? [folderLabel] : []), ...extras, ...(message.isRead ? [] : ['UNREAD'])];
  }

  /** messages.modify: applies the change and moves the message to the folder its labels now name. */
  relabel(mailboxId: string, id: string, add: string[], remove: string[]): MessageView {
    for (const labelId of [...add, ...remove]) this.requireSettable(mailboxId, labelId);
    const message = this.message(mailboxId, id);
    if (!message) throw new TenantError('ItemNotFound', `no message has the id ${id} in mailbox ${mailboxId}`, { mailboxId, itemId: id });
    const { folder, isRead, extras } = this.settle(mailboxId, this.labelIds(message), add, remove);
    this.extraLabels.set(message.immutableId, extras);
    if (folder.id !== message.folderId) return this.tenant.move(mailboxId, message.immutableId, folder.id, { isRead });
    return isRead === message.isRead ? message : this.tenant.setRead(mailboxId, message.immutableId, isRead);
  }

  /**
   * messages.insert and import: the message is stored in the folder its labels name, read
   * unless UNREAD is among them; with no placement label it is archived ("All Mail" only).
   * SENT and DRAFT may be given here, as inserting is how a client files its own mail.
   */
  insert(mailboxId: string, labelIds: string[], store: (placement: { folderId: string; isRead: boolean }) => MessageView): MessageView {
    for (const labelId of labelIds) if (!SYSTEM_LABEL_IDS.includes(labelId)) this.requireSettable(mailboxId, labelId);
    const { folder, isRead, extras } = this.settle(mailboxId, [], labelIds, []);
    const message = store({ folderId: folder.id, isRead });
    this.extraLabels.set(message.immutableId, extras);
    return message;
  }

  /** System labels, then one label per user folder, hidden ones included. */
  labels(mailboxId: string): gmail_v1.Schema$Label[] {
    const system = SYSTEM_LABEL_IDS.map((id) => ({ id, name: id, type: 'system' }));
    return [...system, ...this.userFolders(mailboxId).map((folder) => this.userLabel(folder))];
  }

  label(mailboxId: string, labelId: string): gmail_v1.Schema$Label | undefined {
    if (SYSTEM_LABEL_IDS.includes(labelId)) return { id: labelId, name: labelId, type: 'system' };
    const folder = this.userFolder(mailboxId, labelId);
    return folder && this.userLabel(folder);
  }

  /** The label whose name is `name` (Gmail matches names case-insensitively), if any. */
  labelNamed(mailboxId: string, name: string): gmail_v1.Schema$Label | undefined {
    const wanted = name.toLowerCase();
    return this.labels(mailboxId).find((label) => label.name?.toLowerCase() === wanted);
  }

  /**
   * labels.create: a user folder at the label's path ("Parent/Child" nests, parents created as
   * needed). Hidden in the label list means a hidden folder, which mail clients never show.
   */
  createLabel(mailboxId: string, name: string, visibility: LabelVisibility): gmail_v1.Schema$Label {
    const segments = pathSegments(name);
    let folder: FolderView | undefined;
    for (const [index, segment] of segments.entries()) {
      const isLabel = index === segments.length - 1;
      const parent = isLabel ? undefined : this.tenant.findFolder(mailboxId, segments.slice(0, index + 1).join(PATH_SEPARATOR));
      folder =
        parent ??
        this.tenant.createFolder(mailboxId, segment, {
          ...(folder ? { parentFolderId: folder.id } : {}),
          isHidden: isLabel && visibility.labelListVisibility === 'labelHide',
        });
    }
    this.visibility.set(folder!.id, visibility);
    return this.userLabel(folder!);
  }

  private isShown(message: MessageView): boolean {
    return this.tenant.requireFolder(message.mailboxId, message.folderId).wellKnownName !== 'recoverableitemsdeletions';
  }

  private requireSettable(mailboxId: string, labelId: string): void {
    if (READ_ONLY_LABELS.has(labelId)) throw new InvalidLabel(labelId, 'readOnly');
    if (SYSTEM_LABEL_IDS.includes(labelId)) return;
    if (!this.userFolder(mailboxId, labelId)) throw new InvalidLabel(labelId, 'unknown');
  }

  /**
   * The labels after a change, as a folder, a read state and the labels the folder cannot hold.
   * Adding one of TRASH, SPAM and INBOX drops the other two.
   */
  private settle(mailboxId: string, current: string[], add: string[], remove: string[]): { folder: FolderView; isRead: boolean; extras: Set<string> } {
    const labels = new Set([...current, ...add]);
    const addedExclusive = EXCLUSIVE_LABELS.find((labelId) => add.includes(labelId));
    if (addedExclusive) for (const labelId of EXCLUSIVE_LABELS) if (labelId !== addedExclusive) labels.delete(labelId);
    for (const labelId of remove) labels.delete(labelId);
    const folder = this.placementOf(mailboxId, labels);
    const isRead = !labels.has('UNREAD');
    const folderLabel = folderLabelOf(folder);
    labels.delete('UNREAD');
    if (folderLabel) labels.delete(folderLabel);
    return { folder, isRead, extras: labels };
  }

  private placementOf(mailboxId: string, labels: Set<string>): FolderView {
    const systemLabel = PLACEMENT_ORDER.find((labelId) => labels.has(labelId));
    if (systemLabel) return this.tenant.requireFolder(mailboxId, FOLDER_OF_SYSTEM_LABEL[systemLabel]);
    const userFolders = [...labels].flatMap((labelId) => this.userFolder(mailboxId, labelId) ?? []);
    return userFolders.find((folder) => !folder.isHidden) ?? userFolders[0] ?? this.tenant.requireFolder(mailboxId, 'archive');
  }

  private userFolders(mailboxId: string): FolderView[] {
    return this.tenant.listFolders(mailboxId, { includeHidden: true }).filter((folder) => !folder.wellKnownName);
  }

  private userFolder(mailboxId: string, labelId: string): FolderView | undefined {
    if (!labelId.startsWith(USER_LABEL_PREFIX)) return undefined;
    const folder = this.tenant.findFolder(mailboxId, labelId.slice(USER_LABEL_PREFIX.length));
    return folder && !folder.wellKnownName && folderLabelOf(folder) === labelId ? folder : undefined;
  }

  private userLabel(folder: FolderView): gmail_v1.Schema$Label {
    const visibility: LabelVisibility = this.visibility.get(folder.id) ??
      (folder.isHidden ? { labelListVisibility: 'labelHide', messageListVisibility: 'hide' } : { labelListVisibility: 'labelShow', messageListVisibility: 'show' });
    return { id: folderLabelOf(folder)!, name: folder.path, type: 'user', ...visibility };
  }
}

const labelModels = new WeakMap<Tenant, LabelModel>();

/** One label model per tenant, so loading a new scenario starts with fresh label state. */
export function labelModelOf(tenant: Tenant): LabelModel {
  let model = labelModels.get(tenant);
  if (!model) {
    model = new LabelModel(tenant);
    labelModels.set(tenant, model);
  }
  return model;
}
