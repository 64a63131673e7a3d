import {
  BasePropertySet,
  ConflictResolutionMode,
  EmailMessage,
  EmailMessageSchema,
  FolderId,
  ItemId,
  ItemSchema,
  PropertySet,
  ServiceError,
  ServiceResult,
  WellKnownFolderName,
  type ExchangeService,
} from 'ews-javascript-api';
import type { MessageCopy, PullRecord, RestoreResult } from '../../domain/mail.js';
import { canonicalMessageId } from '../../domain/message-id.js';
import { responseError, type CallContext } from './errors.js';
import { ITEM_GONE, moveItems, type MoveOutcome } from './moves.js';
import { MailboxSearch } from './search.js';

export interface RestoreOptions {
  service: ExchangeService;
  batchSize: number;
  at: CallContext;
}

/** Where a record's copy ended up: its new id, and whether that is its original folder. */
interface Placed {
  record: PullRecord;
  itemId: string;
  originalFolder: boolean;
}

/**
 * Puts one mailbox's pulled copies back: one MoveItem per original folder, the Inbox for copies
 * whose folder was deleted meanwhile, then the read state each had. A quarantined copy that is no
 * longer there is looked for by Message-ID: already back in its folder (a retry) counts as
 * restored, found nowhere is `missing`.
 */
export async function restoreRecords(records: PullRecord[], { service, batchSize, at }: RestoreOptions): Promise<RestoreResult[]> {
  const placed = new Map<PullRecord, Placed>();
  const failed = new Map<PullRecord, string>();
  const lost: PullRecord[] = [];
  const homeless: PullRecord[] = [];

  for (const group of groupBy(records, (r) => r.copy.folderId)) {
    const moved = await moveItems(service, group.map((r) => r.quarantinedItemId), new FolderId(group[0]!.copy.folderId), batchSize, at);
    for (const record of group) {
      const outcome = moved.get(record.quarantinedItemId)!;
      if (outcome.moved) placed.set(record, { record, itemId: outcome.newItemId, originalFolder: true });
      else if (outcome.code === ServiceError.ErrorFolderNotFound) homeless.push(record);
      else if (ITEM_GONE.has(outcome.code)) lost.push(record);
      else failed.set(record, outcome.detail);
    }
  }
  const toInbox = await moveItems(service, homeless.map((r) => r.quarantinedItemId), new FolderId(WellKnownFolderName.Inbox), batchSize, at);
  for (const record of homeless) settle(record, toInbox.get(record.quarantinedItemId)!, false, placed, lost, failed);
  const alreadyBack = lost.length > 0 ? await findRestored(service, lost, at) : new Map<PullRecord, MessageCopy>();
  for (const [record, copy] of alreadyBack) placed.set(record, { record, itemId: copy.itemId, originalFolder: true });

  const where = await readPlacements(service, [...placed.values()], at);
  return records.map((record): RestoreResult => {
    const detail = failed.get(record);
    if (detail) return { outcome: 'failed', itemId: record.copy.itemId, detail };
    const done = placed.get(record);
    const folderId = done && where.get(done.itemId);
    if (!done || !folderId) {
      return { outcome: 'missing', itemId: record.copy.itemId, detail: `${record.copy.mailbox.address} no longer holds this message: it was deleted after the pull` };
    }
    const folderPath = done.originalFolder ? record.copy.folderPath : 'Inbox';
    return { outcome: 'restored', itemId: record.copy.itemId, folderId, folderPath, originalFolder: done.originalFolder };
  });
}

function settle(record: PullRecord, outcome: MoveOutcome, originalFolder: boolean, placed: Map<PullRecord, Placed>, lost: PullRecord[], failed: Map<PullRecord, string>): void {
  if (outcome.moved) placed.set(record, { record, itemId: outcome.newItemId, originalFolder });
  else if (ITEM_GONE.has(outcome.code)) lost.push(record);
  else failed.set(record, outcome.detail);
}

/** Copies a previous attempt already put back: same Message-ID, in the original folder, not claimed by another record. */
async function findRestored(service: ExchangeService, lost: PullRecord[], at: CallContext): Promise<Map<PullRecord, MessageCopy>> {
  const search = await MailboxSearch.open(service, lost[0]!.copy.mailbox, at);
  const found = new Map<string, MessageCopy[]>();
  const claimed = new Set<string>();
  const back = new Map<PullRecord, MessageCopy>();
  for (const record of lost) {
    const key = canonicalMessageId(record.copy.internetMessageId);
    if (!found.has(key)) found.set(key, await search.byMessageId(record.copy.internetMessageId));
    const copy = found.get(key)!.find((c) => c.folderId === record.copy.folderId && !claimed.has(c.itemId));
    if (!copy) continue;
    claimed.add(copy.itemId);
    back.set(record, copy);
  }
  return back;
}

/**
 * Each restored copy's folder, and its read state set back to what it was when pulled. Moves keep
 * the read state, so UpdateItem is only sent for a copy someone read meanwhile (in Junk Email,
 * say). Returns folder ids by item id; an item that vanished since is absent.
 */
async function readPlacements(service: ExchangeService, placed: Placed[], at: CallContext): Promise<Map<string, string>> {
  const folders = new Map<string, string>();
  if (placed.length === 0) return folders;
  const properties = new PropertySet(BasePropertySet.IdOnly, [ItemSchema.ParentFolderId, EmailMessageSchema.IsRead]);
  const responses = await service.BindToItems(placed.map((p) => new ItemId(p.itemId)), properties);
  const changed: EmailMessage[] = [];
  responses.Responses.forEach((response, i) => {
    if (response.Result === ServiceResult.Error) {
      if (response.ErrorCode === ServiceError.ErrorItemNotFound) return;
      throw responseError(response, at);
    }
    const item = response.Item;
    folders.set(placed[i]!.itemId, item.ParentFolderId.UniqueId);
    const wanted = placed[i]!.record.copy.isRead;
    if (item instanceof EmailMessage && item.IsRead !== wanted) {
      item.IsRead = wanted;
      changed.push(item);
    }
  });
  // Rare (a copy read while in Junk Email, say), so one UpdateItem per changed copy.
  for (const item of changed) await item.Update(ConflictResolutionMode.AlwaysOverwrite);
  return folders;
}

function groupBy<T>(items: T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups.values()];
}
