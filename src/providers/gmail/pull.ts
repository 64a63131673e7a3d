import type { CreatedFolder, MessageCopy, PullRecord, PullResult, QuarantineAction } from '../../domain/mail.js';
import { withCreatedFolders } from '../created-folders.js';
import type { GoogleApi } from './api.js';
import { mapConcurrently, PER_MAILBOX_CONCURRENCY } from './concurrency.js';
import { ALL_MAIL, HIDDEN, KEPT_WHEN_HIDING, MailboxLabels } from './labels.js';
import { currentLabels } from './messages.js';

/** batchModify takes at most this many ids. */
const BATCH_MODIFY_LIMIT = 1_000;

export type Evidence = NonNullable<PullRecord['evidence']>;

export interface PullOptions {
  action: QuarantineAction;
  /** The hidden label's name (the tenant's quarantine folder name). */
  quarantineLabel: string;
  /**
   * quarantine-mailbox: keeps the raw message in the quarantine mailbox before it is hidden;
   * `created` hears of the incident's label when this call made it.
   */
  keepEvidence?: (copy: MessageCopy, created: CreatedFolder[]) => Promise<Evidence>;
}

/**
 * Takes copies (all from one mailbox) out of the user's sight in one batchModify per 1,000:
 * the hidden quarantine label added and every label the user sees removed (read state kept),
 * or Trash, or Spam. Each record keeps the labels the copy had at that moment, so undo puts
 * back exactly those even when the user relabelled the copy after the search. A copy already
 * bearing the target label is reported already-quarantined, a deleted one gone.
 */
export async function pull(api: GoogleApi, copies: MessageCopy[], options: PullOptions): Promise<PullResult[]> {
  const user = copies[0]?.mailbox.address;
  if (user === undefined) return [];
  const { action } = options;
  const [labels, labelsNow] = await Promise.all([
    MailboxLabels.load(api, user),
    mapConcurrently(copies, PER_MAILBOX_CONCURRENCY, (copy) => currentLabels(api, user, copy.itemId)),
  ]);
  const created: CreatedFolder[] = [];
  const target = await targetLabel(labels, options, created);
  const pulledAt = new Date().toISOString();

  const results: PullResult[] = [];
  const toHide: { copy: MessageCopy; labelIds: string[] }[] = [];
  for (const [index, copy] of copies.entries()) {
    const labelIds = labelsNow[index];
    if (labelIds === undefined) {
      results.push({ outcome: 'gone', itemId: copy.itemId, detail: `${user} no longer holds this message` });
      continue;
    }
    const evidence = options.keepEvidence ? await options.keepEvidence(copy, created) : undefined;
    // A copy found already hidden was hidden by an earlier attempt: the labels found by the search are its own.
    const alreadyQuarantined = labelIds.includes(target);
    const original = alreadyQuarantined ? (copy.labelIds ?? labelsOf(copy)) : labelIds;
    const visible = stillVisible(action, original);
    const record: PullRecord = {
      copy: { ...copy, ...labels.placement(original), isRead: !original.includes('UNREAD'), labelIds: original },
      action,
      quarantinedItemId: copy.itemId,
      quarantineFolderId: target,
      pulledAt,
      ...(visible ? { stillVisible: visible } : {}),
      ...(evidence ? { evidence } : {}),
    };
    results.push({ outcome: alreadyQuarantined ? 'already-quarantined' : 'pulled', itemId: copy.itemId, record });
    if (!alreadyQuarantined) toHide.push({ copy, labelIds });
  }

  for (let start = 0; start < toHide.length; start += BATCH_MODIFY_LIMIT) {
    const batch = toHide.slice(start, start + BATCH_MODIFY_LIMIT);
    await api.gmail(user, 'messages.batchModify', (gmail) =>
      gmail.users.messages.batchModify({
        userId: 'me',
        requestBody: { ids: batch.map(({ copy }) => copy.itemId), addLabelIds: [target], removeLabelIds: removedLabels(action, target, batch) },
      }),
    );
  }
  return withCreatedFolders(results, created);
}

async function targetLabel(labels: MailboxLabels, { action, quarantineLabel }: PullOptions, created: CreatedFolder[]): Promise<string> {
  switch (action) {
    case 'soft-delete':
      return 'TRASH';
    case 'junk':
      return 'SPAM';
    case 'quarantine-folder':
    case 'quarantine-mailbox':
      return labels.ensure(quarantineLabel, HIDDEN, created);
  }
}

/** Hiding removes every label the user could find the copies under; Trash and Spam replace the inbox. */
function removedLabels(action: QuarantineAction, target: string, batch: { labelIds: string[] }[]): string[] {
  switch (action) {
    case 'soft-delete':
      return ['INBOX', 'SPAM'];
    case 'junk':
      return ['INBOX', 'TRASH'];
    case 'quarantine-folder':
    case 'quarantine-mailbox':
      return [...new Set(batch.flatMap(({ labelIds }) => labelIds))].filter((labelId) => labelId !== target && !KEPT_WHEN_HIDING.has(labelId));
  }
}

/**
 * Gmail lets no client remove SENT: a hidden label (or Spam) leaves a sent copy in its owner's
 * Sent view. Only Trash takes it out of sight, and Trash is emptied after 30 days, which would be
 * a delete nobody asked for, so the copy is labelled and reported as still visible.
 */
function stillVisible(action: QuarantineAction, labelIds: string[]): string | undefined {
  if (action === 'soft-delete' || !labelIds.includes('SENT')) return undefined;
  return 'Gmail keeps a sent message in Sent: labelled for quarantine, still visible to its sender';
}

/** The labels a copy found without them (another adapter's record) stands for. */
function labelsOf(copy: MessageCopy): string[] {
  return [...(copy.folderId === ALL_MAIL.folderId ? [] : [copy.folderId]), ...(copy.isRead ? [] : ['UNREAD'])];
}
