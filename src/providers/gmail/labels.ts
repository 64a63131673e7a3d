import type { gmail_v1 } from 'googleapis';
import type { CreatedFolder } from '../../domain/mail.js';
import { ProviderError } from '../errors.js';
import type { GoogleApi } from './api.js';

/** The system labels that place a message, most visible first, with the names Gmail shows. */
const PLACEMENT_LABELS: readonly [string, string][] = [
  ['TRASH', 'Trash'],
  ['SPAM', 'Spam'],
  ['INBOX', 'Inbox'],
  ['SENT', 'Sent'],
  ['DRAFT', 'Drafts'],
];
const SYSTEM_LABELS = new Set([...PLACEMENT_LABELS.map(([id]) => id), 'UNREAD', 'STARRED', 'IMPORTANT']);

/** A message with no placing label is only in All Mail, which has no label id of its own. */
export const ALL_MAIL = { folderId: 'ALL_MAIL', folderPath: 'All Mail' } as const;

/** Only sending or drafting sets these; no client may add or remove them. */
export const READ_ONLY_LABELS = new Set(['SENT', 'DRAFT']);

/** Labels hiding a message leaves on it: its read state, and the read-only ones. */
export const KEPT_WHEN_HIDING = new Set(['UNREAD', ...READ_ONLY_LABELS]);

export interface Placement {
  folderId: string;
  folderPath: string;
}

type Visibility = Pick<gmail_v1.Schema$Label, 'labelListVisibility' | 'messageListVisibility'>;

/** Hidden from the label list and from message lists: the quarantine label. */
export const HIDDEN: Visibility = { labelListVisibility: 'labelHide', messageListVisibility: 'hide' };
export const SHOWN: Visibility = { labelListVisibility: 'labelShow', messageListVisibility: 'show' };

/** One mailbox's labels (labels.list, 1 unit): names for folder paths, ids by name. */
export class MailboxLabels {
  private constructor(
    private readonly api: GoogleApi,
    private readonly user: string,
    private readonly byId: Map<string, gmail_v1.Schema$Label>,
  ) {}

  static async load(api: GoogleApi, user: string): Promise<MailboxLabels> {
    const { labels = [] } = await api.gmail(user, 'labels.list', (gmail) => gmail.users.labels.list({ userId: 'me' }));
    return new MailboxLabels(api, user, new Map(labels.flatMap((label) => (label.id ? [[label.id, label]] : []))));
  }

  exists(labelId: string): boolean {
    return SYSTEM_LABELS.has(labelId) || this.byId.has(labelId);
  }

  /** Gmail compares label names case-insensitively. */
  idOf(name: string): string | undefined {
    const wanted = name.toLowerCase();
    return [...this.byId.values()].find((label) => label.name?.toLowerCase() === wanted)?.id ?? undefined;
  }

  /** A label the mailbox's users made, as opposed to one of Gmail's own. */
  isUserLabel(labelId: string): boolean {
    return this.byId.get(labelId)?.type === 'user';
  }

  /**
   * The label `name`, created if the mailbox has none. Two pulls racing to create it both
   * succeed: the loser's 409 sends it back to the list for the winner's label. `created` hears
   * of the label when this call made it.
   */
  async ensure(name: string, visibility: Visibility, created?: CreatedFolder[]): Promise<string> {
    const existing = this.idOf(name);
    if (existing) return existing;
    const label = await this.api.gmailOrAbsent(
      this.user,
      'labels.create',
      (gmail) => gmail.users.labels.create({ userId: 'me', requestBody: { name, ...visibility } }),
      [409],
    );
    if (label?.id) {
      this.byId.set(label.id, label);
      created?.push({ mailbox: this.user, folderId: label.id, path: name, hidden: visibility.labelListVisibility === HIDDEN.labelListVisibility });
      return label.id;
    }
    const reloaded = await MailboxLabels.load(this.api, this.user);
    const id = reloaded.idOf(name);
    if (!id) {
      throw new ProviderError('ProviderUnavailable', `Gmail said label "${name}" exists in ${this.user} but does not list it`, {
        tenantId: this.api.tenantId,
        mailbox: this.user,
        operation: 'gmail.labels.create',
      });
    }
    for (const [labelId, label] of reloaded.byId) this.byId.set(labelId, label);
    return id;
  }

  /**
   * Where a user sees the message: its most visible placing label, then its first shown user
   * label, then any user label (a hidden one: quarantine), else All Mail.
   */
  placement(labelIds: readonly string[]): Placement {
    const system = PLACEMENT_LABELS.find(([id]) => labelIds.includes(id));
    if (system) return { folderId: system[0], folderPath: system[1] };
    const user = labelIds.flatMap((id) => this.byId.get(id) ?? []).filter((label) => label.type !== 'system');
    const label = user.find((candidate) => candidate.labelListVisibility !== HIDDEN.labelListVisibility) ?? user[0];
    return label?.id ? { folderId: label.id, folderPath: label.name ?? label.id } : ALL_MAIL;
  }
}
