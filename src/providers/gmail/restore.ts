import type { PullRecord, RestoreResult } from '../../domain/mail.js';
import type { GoogleApi } from './api.js';
import { mapConcurrently, PER_MAILBOX_CONCURRENCY } from './concurrency.js';
import { ALL_MAIL, MailboxLabels, READ_ONLY_LABELS } from './labels.js';
import { currentLabels } from './messages.js';

/**
 * Puts pulled copies (all from one mailbox) back under exactly the labels they had, read state
 * included, and takes the quarantine label (or Trash, or Spam) away. A label the user deleted
 * meanwhile is left out, and a copy that had no other place goes to the inbox. A copy no longer
 * under quarantine is reported where it is; one that no longer exists, missing.
 */
export async function restore(api: GoogleApi, records: PullRecord[]): Promise<RestoreResult[]> {
  const user = records[0]?.copy.mailbox.address;
  if (user === undefined) return [];
  const [labels, labelsNow] = await Promise.all([
    MailboxLabels.load(api, user),
    mapConcurrently(records, PER_MAILBOX_CONCURRENCY, (record) => currentLabels(api, user, record.quarantinedItemId)),
  ]);
  return mapConcurrently(records, PER_MAILBOX_CONCURRENCY, async (record, index): Promise<RestoreResult> => {
    const itemId = record.copy.itemId;
    const now = labelsNow[index];
    if (now === undefined) return { outcome: 'missing', itemId, detail: `${user} no longer holds this message: it was deleted after the pull` };
    if (!now.includes(record.quarantineFolderId)) {
      const where = labels.placement(now);
      return { outcome: 'restored', itemId, ...where, originalFolder: where.folderId === record.copy.folderId };
    }
    const settable = (record.copy.labelIds ?? []).filter((labelId) => !READ_ONLY_LABELS.has(labelId));
    const kept = settable.filter((labelId) => labels.exists(labelId));
    const stays = now.filter((labelId) => READ_ONLY_LABELS.has(labelId));
    const originalFolder = kept.length === settable.length;
    const lostPlace = labels.placement([...kept, ...stays]).folderId === ALL_MAIL.folderId && record.copy.folderId !== ALL_MAIL.folderId;
    const add = lostPlace ? ['INBOX', ...kept] : kept;
    const remove = [record.quarantineFolderId, 'UNREAD'].filter((labelId) => !add.includes(labelId) && now.includes(labelId));
    const deletedMeanwhile: RestoreResult = { outcome: 'missing', itemId, detail: `${user} deleted this message while it was being restored` };
    if (record.quarantineFolderId === 'TRASH') {
      const untrashed = await api.gmailOrAbsent(user, 'messages.untrash', (gmail) => gmail.users.messages.untrash({ userId: 'me', id: record.quarantinedItemId }));
      if (!untrashed) return deletedMeanwhile;
    }
    const stillToRemove = remove.filter((labelId) => labelId !== 'TRASH');
    if (add.length > 0 || stillToRemove.length > 0) {
      const modified = await api.gmailOrAbsent(user, 'messages.modify', (gmail) =>
        gmail.users.messages.modify({ userId: 'me', id: record.quarantinedItemId, requestBody: { addLabelIds: add, removeLabelIds: stillToRemove } }),
      );
      if (!modified) return deletedMeanwhile;
    }
    return { outcome: 'restored', itemId, ...labels.placement([...add, ...stays]), originalFolder: originalFolder && !lostPlace };
  });
}
