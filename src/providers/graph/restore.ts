import type { PullRecord, RestoreResult } from '../../domain/mail.js';
import { runBatch } from './batch.js';
import { describeStatus } from './errors.js';
import { segment } from './odata.js';
import { isItemNotFound, mailboxWork, movePath, moveOne, throwIfRefused, type MailboxWork, type Moved } from './pull.js';
import type { GraphSession } from './session.js';

type Placed = { moved: Moved; folderPath: string; originalFolder: boolean };

/**
 * Puts pulled copies (one mailbox) back in their original folders, 20 moves per `$batch`,
 * then their read state in a second round of batches (a move answers the new id the update
 * needs). The original folder deleted meanwhile: the Inbox. The quarantined item gone: found
 * again by Message-ID, since a user's own move changes the id; out of quarantine already,
 * it is reported where it is; nowhere, `missing`.
 */
export async function restore(session: GraphSession, records: PullRecord[]): Promise<RestoreResult[]> {
  const work = mailboxWork(session, records[0]!.copy.mailbox, 'restore');
  const answers = await runBatch(
    session,
    work.call,
    records.map((record, i) => ({ id: String(i), method: 'POST', path: movePath(work.mailbox, record.quarantinedItemId), body: { destinationId: record.copy.folderId } })),
  );
  const results: RestoreResult[] = [];
  const placed = new Map<number, Placed>();
  for (const [i, record] of records.entries()) {
    const answer = answers.get(String(i))!;
    if (answer.status === 201) {
      const moved = answer.body as Moved;
      work.claimed.add(moved.id);
      placed.set(i, { moved, folderPath: record.copy.folderPath, originalFolder: true });
      continue;
    }
    throwIfRefused(work, answer);
    if (!isItemNotFound(answer)) {
      results[i] = { outcome: 'failed', itemId: record.copy.itemId, detail: `move back refused: ${describeStatus(answer.status, answer.code, answer.message)}` };
      continue;
    }
    const outcome = await recover(work, record);
    if ('moved' in outcome) placed.set(i, outcome);
    else results[i] = outcome;
  }

  const unread = [...placed].filter(([i, { moved }]) => moved.isRead !== records[i]!.copy.isRead);
  const updates = await runBatch(
    session,
    work.call,
    unread.map(([i, { moved }]) => ({ id: String(i), method: 'PATCH', path: `/users/${segment(work.mailbox.mailboxId)}/messages/${segment(moved.id)}`, body: { isRead: records[i]!.copy.isRead } })),
  );
  for (const [i, { moved, folderPath, originalFolder }] of placed) {
    const record = records[i]!;
    const update = updates.get(String(i));
    if (update && update.status !== 200) {
      throwIfRefused(work, update);
      results[i] = { outcome: 'failed', itemId: record.copy.itemId, detail: `moved back to ${folderPath} but its read state was refused: ${describeStatus(update.status, update.code, update.message)}` };
      continue;
    }
    results[i] = { outcome: 'restored', itemId: record.copy.itemId, folderId: moved.parentFolderId, folderPath, originalFolder };
  }
  return results;
}

/** The move back answered 404: the original folder is gone (→ Inbox), or the item is. */
async function recover(work: MailboxWork, record: PullRecord): Promise<Placed | RestoreResult> {
  const { copy } = record;
  if (!(await work.tree.folder(copy.folderId))) {
    const inboxId = await work.tree.wellKnownId('inbox');
    const moved = await moveOne(work, record.quarantinedItemId, inboxId);
    if (moved) {
      work.claimed.add(moved.id);
      return { moved, folderPath: (await work.tree.placement(inboxId)).path, originalFolder: false };
    }
  }
  const candidates = (await work.current(copy.internetMessageId)).filter((m) => !work.claimed.has(m.id));
  const elsewhere = candidates.find((m) => m.parentFolderId !== record.quarantineFolderId);
  if (elsewhere) {
    work.claimed.add(elsewhere.id);
    const originalFolder = elsewhere.parentFolderId === copy.folderId;
    return {
      outcome: 'restored',
      itemId: copy.itemId,
      folderId: elsewhere.parentFolderId,
      folderPath: originalFolder ? copy.folderPath : (await work.tree.placement(elsewhere.parentFolderId)).path,
      originalFolder,
    };
  }
  return { outcome: 'missing', itemId: copy.itemId, detail: `${copy.mailbox.address} no longer holds this message: it was deleted after the pull` };
}
