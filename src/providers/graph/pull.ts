import { canonicalMessageId } from '../../domain/message-id.js';
import type { CreatedFolder, MailboxRef, MessageCopy, PullRecord, PullResult, QuarantineAction } from '../../domain/mail.js';
import type { QuarantineSettings } from '../../domain/quarantine.js';
import { recordCreation, withCreatedFolders } from '../created-folders.js';
import { runBatch, type StepResult } from './batch.js';
import { describeStatus, statusError } from './errors.js';
import type { EvidenceStore } from './evidence.js';
import { FolderTree, RECOVERABLE_ITEMS_PATH } from './folders.js';
import { messagesWithId, type GraphMessage } from './messages.js';
import { segment } from './odata.js';
import { ensureFolder } from './quarantine-folder.js';
import type { Call, GraphSession } from './session.js';

/** What a move answers (201): the message under its new id. */
export interface Moved {
  id: string;
  parentFolderId: string;
  isRead: boolean;
}

/** One provider call's view of a mailbox: its folders, and the items this call already accounts for. */
export interface MailboxWork {
  session: GraphSession;
  mailbox: MailboxRef;
  call: Call & Required<Pick<Call, 'mailbox'>>;
  tree: FolderTree;
  /** Item ids this call has placed or recognised, so a re-found copy is never taken for another. */
  claimed: Set<string>;
  /** The copies of a Message-ID as they are now, listed once per call however many copies need them. */
  current(messageId: string): Promise<(GraphMessage & { recoverable: boolean })[]>;
}

export function mailboxWork(session: GraphSession, mailbox: MailboxRef, operation: string): MailboxWork {
  const listed = new Map<string, Promise<(GraphMessage & { recoverable: boolean })[]>>();
  const current = (messageId: string) => {
    const key = canonicalMessageId(messageId);
    let found = listed.get(key);
    if (!found) {
      found = messagesWithId(session, mailbox, operation, messageId);
      found.catch(() => listed.delete(key));
      listed.set(key, found);
    }
    return found;
  };
  return { session, mailbox, call: { operation, permission: 'Mail.ReadWrite', mailbox }, tree: new FolderTree(session, mailbox), claimed: new Set(), current };
}

export function movePath(mailbox: MailboxRef, itemId: string): string {
  return `/users/${segment(mailbox.mailboxId)}/messages/${segment(itemId)}/move`;
}

/** A step that failed for a reason that is the app's, not the item's, fails the whole call. */
export function throwIfRefused(work: MailboxWork, result: StepResult): void {
  if (result.status === 401 || result.status === 403 || result.status >= 500) {
    const { session, call } = work;
    throw statusError(result.status, result.code, result.message, undefined, { tenantId: session.tenantId, clientId: session.clientId, operation: call.operation, permission: call.permission, mailbox: call.mailbox.address });
  }
}

export function isItemNotFound(result: StepResult): boolean {
  return result.status === 404 && result.code === 'ErrorItemNotFound';
}

/** Moves one item outside a batch; undefined when it is no longer there. */
export async function moveOne(work: MailboxWork, itemId: string, destinationId: string): Promise<Moved | undefined> {
  const results = await runBatch(work.session, work.call, [{ id: 'move', method: 'POST', path: movePath(work.mailbox, itemId), body: { destinationId } }]);
  const result = results.get('move')!;
  if (result.status === 201) return result.body as Moved;
  throwIfRefused(work, result);
  if (isItemNotFound(result)) return undefined;
  throw statusError(result.status, result.code, result.message, undefined, { tenantId: work.session.tenantId, clientId: work.session.clientId, operation: work.call.operation, permission: work.call.permission, mailbox: work.mailbox.address });
}

/**
 * Moves copies out of the user's reach, 20 per `$batch`. Item ids change on every move, so a
 * copy the user moved between search and pull answers 404: it is found again by its
 * Message-ID and moved from where it is now (that folder is what undo restores). A retry after
 * a crash finds its copies already in quarantine and reports them `already-quarantined`.
 */
export class Quarantine {
  /** The hidden folder per mailbox, created once per mailbox for the provider's lifetime. */
  private readonly folders = new Map<string, Promise<string>>();

  constructor(
    private readonly session: GraphSession,
    private readonly settings: QuarantineSettings,
    private readonly evidence: EvidenceStore,
  ) {}

  async pull(copies: MessageCopy[], action: QuarantineAction, incidentId: string): Promise<PullResult[]> {
    const mailbox = copies[0]!.mailbox;
    const work = mailboxWork(this.session, mailbox, 'quarantine');
    const created: CreatedFolder[] = [];
    const targetId = await this.target(work, action, created);
    const pulledAt = new Date().toISOString();
    const record = (copy: MessageCopy, quarantinedItemId: string): PullRecord => ({ copy, action, quarantinedItemId, quarantineFolderId: targetId, pulledAt });

    const results = new Map<MessageCopy, PullResult>();
    // A soft-delete of a copy found in Recoverable Items, or junk of one in Junk Email: already there.
    for (const copy of copies.filter((c) => c.folderId === targetId)) {
      work.claimed.add(copy.itemId);
      results.set(copy, { outcome: 'already-quarantined', itemId: copy.itemId, record: record(copy, copy.itemId) });
    }
    const toMove = copies.filter((copy) => !results.has(copy));
    const answers = await runBatch(
      this.session,
      work.call,
      toMove.map((copy, i) => ({ id: String(i), method: 'POST', path: movePath(mailbox, copy.itemId), body: { destinationId: targetId } })),
    );
    const lost: MessageCopy[] = [];
    toMove.forEach((copy, i) => {
      const answer = answers.get(String(i))!;
      if (answer.status === 201) {
        const moved = answer.body as Moved;
        work.claimed.add(moved.id);
        results.set(copy, { outcome: 'pulled', itemId: copy.itemId, record: record(copy, moved.id) });
        return;
      }
      throwIfRefused(work, answer);
      if (isItemNotFound(answer)) lost.push(copy);
      else results.set(copy, { outcome: 'failed', itemId: copy.itemId, detail: `move refused: ${describeStatus(answer.status, answer.code, answer.message)}` });
    });
    for (const copy of lost) results.set(copy, await this.refind(work, copy, targetId, record));

    const ordered = copies.map((copy) => results.get(copy)!);
    return withCreatedFolders(action === 'quarantine-mailbox' ? await this.withEvidence(mailbox, ordered, incidentId, created) : ordered, created);
  }

  /** A copy whose id no longer answers: already in quarantine (a retry), moved by the user, or gone. */
  private async refind(work: MailboxWork, copy: MessageCopy, targetId: string, record: (copy: MessageCopy, id: string) => PullRecord): Promise<PullResult> {
    const candidates = (await work.current(copy.internetMessageId)).filter((m) => !work.claimed.has(m.id));
    const inQuarantine = candidates.find((m) => m.parentFolderId === targetId);
    if (inQuarantine) {
      work.claimed.add(inQuarantine.id);
      return { outcome: 'already-quarantined', itemId: copy.itemId, record: record(copy, inQuarantine.id) };
    }
    for (const candidate of candidates) {
      work.claimed.add(candidate.id);
      const moved = await moveOne(work, candidate.id, targetId);
      if (!moved) continue;
      work.claimed.add(moved.id);
      return { outcome: 'pulled', itemId: copy.itemId, record: record(await where(work, copy, candidate), moved.id) };
    }
    return { outcome: 'gone', itemId: copy.itemId, detail: `${work.mailbox.address} no longer holds this message` };
  }

  private async withEvidence(source: MailboxRef, results: PullResult[], incidentId: string, created: CreatedFolder[]): Promise<PullResult[]> {
    const kept = new Map<string, Awaited<ReturnType<EvidenceStore['keep']>>>();
    const out: PullResult[] = [];
    for (const result of results) {
      if (result.outcome !== 'pulled' && result.outcome !== 'already-quarantined') {
        out.push(result);
        continue;
      }
      const key = canonicalMessageId(result.record.copy.internetMessageId);
      const evidence = kept.get(key) ?? (await this.evidence.keep(source, result.record.quarantinedItemId, result.record.copy.internetMessageId, incidentId, created));
      kept.set(key, evidence);
      out.push({ ...result, record: { ...result.record, evidence } });
    }
    return out;
  }

  /** `created` hears of the quarantine folder when this call is the one that made it. */
  private target(work: MailboxWork, action: QuarantineAction, created: CreatedFolder[]): Promise<string> {
    switch (action) {
      case 'quarantine-folder':
      case 'quarantine-mailbox':
        return this.quarantineFolder(work.mailbox, created);
      case 'soft-delete':
        return work.tree.wellKnownId('recoverableitemsdeletions');
      case 'junk':
        return work.tree.wellKnownId('junkemail');
    }
  }

  private quarantineFolder(mailbox: MailboxRef, created: CreatedFolder[]): Promise<string> {
    let folder = this.folders.get(mailbox.mailboxId);
    if (!folder) {
      const { folderName } = this.settings;
      folder = ensureFolder(this.session, mailbox, undefined, folderName, { isHidden: true, onCreated: recordCreation(created, mailbox.address, folderName, true) });
      folder.catch(() => this.folders.delete(mailbox.mailboxId));
      this.folders.set(mailbox.mailboxId, folder);
    }
    return folder;
  }
}

/** The copy as it was just before the pull, for undo: where the user had put it. */
async function where(work: MailboxWork, copy: MessageCopy, found: GraphMessage & { recoverable: boolean }): Promise<MessageCopy> {
  const folderPath = found.recoverable ? RECOVERABLE_ITEMS_PATH : (await work.tree.placement(found.parentFolderId)).path;
  return { ...copy, folderId: found.parentFolderId, folderPath, isRead: found.isRead };
}
