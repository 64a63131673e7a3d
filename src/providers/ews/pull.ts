import { ServiceError, type ExchangeService } from 'ews-javascript-api';
import type { CreatedFolder, MessageCopy, PullRecord, PullResult, QuarantineAction } from '../../domain/mail.js';
import { canonicalMessageId } from '../../domain/message-id.js';
import { ProviderError } from '../errors.js';
import { providerContext, type CallContext } from './errors.js';
import { ITEM_GONE, moveItems } from './moves.js';
import type { QuarantineFolders, QuarantineTarget } from './quarantine-folders.js';
import { MailboxSearch } from './search.js';

export interface PullOptions {
  service: ExchangeService;
  folders: QuarantineFolders;
  batchSize: number;
  at: CallContext;
  /** Hears of the quarantine folder when this pull is the one that made it. */
  created: CreatedFolder[];
}

/**
 * Moves one mailbox's copies into the action's folder: one MoveItem for all of them, then, for
 * each copy that was no longer where it was found, a search by Message-ID: a copy the user moved
 * meanwhile is moved from where it is now, one already in the target folder (a retry, or another
 * incident) is reported `already-quarantined`, and one found nowhere is `gone`.
 */
export async function pullCopies(copies: MessageCopy[], action: QuarantineAction, { service, folders, batchSize, at, created }: PullOptions): Promise<PullResult[]> {
  const mailbox = copies[0]!.mailbox;
  const target = await folders.target(service, mailbox.address, action, created);
  const pulledAt = new Date().toISOString();
  const results = new Map<MessageCopy, PullResult>();
  const toMove = copies.filter((copy) => {
    if (target.id === undefined || copy.folderId !== target.id) return true;
    results.set(copy, { outcome: 'already-quarantined', itemId: copy.itemId, record: record(copy, action, copy.itemId, target.id, pulledAt) });
    return false;
  });

  const moved = await moveItems(service, toMove.map((c) => c.itemId), target.folder, batchSize, at);
  const claimed = new Set<string>();
  const lost: MessageCopy[] = [];
  for (const copy of toMove) {
    const outcome = moved.get(copy.itemId)!;
    if (outcome.moved) claimed.add(outcome.newItemId);
    else if (outcome.code === ServiceError.ErrorFolderNotFound) {
      folders.forget(mailbox.address);
      throw new ProviderError('ProviderUnavailable', `the quarantine folder of ${mailbox.address} disappeared during the pull; it is created again on retry`, providerContext(at));
    } else if (!ITEM_GONE.has(outcome.code)) results.set(copy, { outcome: 'failed', itemId: copy.itemId, detail: outcome.detail });
    else lost.push(copy);
  }

  const relocated = lost.length > 0 ? await relocate(service, lost, target, claimed, at) : new Map<MessageCopy, MessageCopy>();
  const movedAgain = await moveItems(service, [...relocated.values()].filter((now) => now.folderId !== target.id).map((now) => now.itemId), target.folder, batchSize, at);
  const targetId = target.id ?? (await folders.target(service, mailbox.address, action)).id ?? '';

  return copies.map((copy): PullResult => {
    const done = results.get(copy);
    if (done) return done;
    const outcome = moved.get(copy.itemId);
    if (outcome?.moved) return { outcome: 'pulled', itemId: copy.itemId, record: record(copy, action, outcome.newItemId, targetId, pulledAt) };
    const now = relocated.get(copy);
    if (!now) return { outcome: 'gone', itemId: copy.itemId, detail: `${mailbox.address} no longer holds this message` };
    if (now.folderId === target.id) return { outcome: 'already-quarantined', itemId: copy.itemId, record: record(copy, action, now.itemId, targetId, pulledAt) };
    const again = movedAgain.get(now.itemId);
    if (again?.moved) {
      // Undo puts it back where the user had moved it, which is where it was when pulled.
      const where = { ...copy, folderId: now.folderId, folderPath: now.folderPath, isRead: now.isRead };
      return { outcome: 'pulled', itemId: copy.itemId, record: record(where, action, again.newItemId, targetId, pulledAt) };
    }
    return { outcome: 'gone', itemId: copy.itemId, detail: again?.detail ?? `${mailbox.address} no longer holds this message` };
  });
}

/**
 * Where each lost copy is now: a copy of the same Message-ID not accounted for by this pull,
 * preferring one still within the user's reach over one already in the target folder.
 */
async function relocate(service: ExchangeService, lost: MessageCopy[], target: QuarantineTarget, claimed: Set<string>, at: CallContext): Promise<Map<MessageCopy, MessageCopy>> {
  const search = await MailboxSearch.open(service, lost[0]!.mailbox, at);
  const byMessageId = new Map<string, MessageCopy[]>();
  for (const copy of lost) {
    const key = canonicalMessageId(copy.internetMessageId);
    if (byMessageId.has(key)) continue;
    const found = await search.byMessageId(copy.internetMessageId);
    byMessageId.set(key, found.sort((a, b) => Number(a.folderId === target.id) - Number(b.folderId === target.id)));
  }
  const relocated = new Map<MessageCopy, MessageCopy>();
  for (const copy of lost) {
    const now = byMessageId.get(canonicalMessageId(copy.internetMessageId))!.find((candidate) => !claimed.has(candidate.itemId));
    if (!now) continue;
    claimed.add(now.itemId);
    relocated.set(copy, now);
  }
  return relocated;
}

function record(copy: MessageCopy, action: QuarantineAction, quarantinedItemId: string, quarantineFolderId: string, pulledAt: string): PullRecord {
  return { copy, action, quarantinedItemId, quarantineFolderId, pulledAt };
}
