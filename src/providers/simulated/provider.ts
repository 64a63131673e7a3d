import { setTimeout as sleep } from 'node:timers/promises';
import pLimit, { type LimitFunction } from 'p-limit';
import type {
  CreatedFolder,
  Forward,
  GroupExpansion,
  GroupRef,
  MailboxRef,
  MessageCopy,
  MessageQuery,
  PullRecord,
  PullResult,
  QuarantineAction,
  Resolution,
  RestoreResult,
  ListedMessage,
} from '../../domain/mail.js';
import { fallbackMatcher } from '../../domain/mail.js';
import { canonicalMessageId } from '../../domain/message-id.js';
import { withCreatedFolders } from '../created-folders.js';
import { ProviderError } from '../errors.js';
import type { MailProvider, ReportFolders } from '../port.js';
import { Tenant, type FolderView, type MessageView } from '../../sim/model.js';
import type { ScenarioInput } from '../../sim/scenario.js';
import type { QuarantineOrigin, StoredGroup, StoredMailbox } from '../../sim/state.js';
import { listFolder, moveMessage, readMessageMime } from './report-folders.js';
import { TenantStateFile } from './state-file.js';
import { EVIDENCE_FOLDER_NAME, QuarantineSettings, type QuarantineSettingsInput } from '../../domain/quarantine.js';


export type DelayedOperation = 'resolve' | 'expandGroup' | 'findCopies' | 'findForwards' | 'move' | 'listMessages' | 'readMime';

export interface SimulatedProviderOptions {
  tenant: Tenant;
  /** Saved after each single move, so a process killed mid-batch leaves consistent mailboxes. */
  stateFile?: string;
  /** Sleep per call, and per message for 'move': lets tests stop a worker mid-quarantine. */
  delaysMs?: Partial<Record<DelayedOperation, number>>;
  /**
   * Calls the simulated service works on at once, tenant-wide (an EWSMaxConcurrency-like
   * limit); the rest queue. Unlimited when absent. Benchmarks derive their floor from it.
   */
  maxConcurrentCalls?: number;
  quarantine?: QuarantineSettingsInput;
}

export interface OpenSimulatedProviderOptions extends Omit<SimulatedProviderOptions, 'tenant'> {
  /** Seeds the tenant when the state file does not exist yet (or there is none). */
  scenario: ScenarioInput;
}

const FORWARD_SUBJECT = /^\s*(?:fw|fwd)\s*:\s*(.*)$/i;

/**
 * The MailProvider over an in-process simulated tenant. It stands in for the Graph, EWS and Gmail
 * adapters: same port, same semantics (item ids change on move, hidden quarantine folder,
 * idempotent pulls and restores), no network.
 */
export class SimulatedProvider implements MailProvider, ReportFolders {
  readonly tenantId: string;
  readonly tenant: Tenant;
  private readonly stateFile: TenantStateFile | undefined;
  private readonly delaysMs: Partial<Record<DelayedOperation, number>>;
  private readonly settings: QuarantineSettings;
  private readonly serviceSlots: LimitFunction | undefined;
  /** Calls made, per operation: what a benchmark reports as requests. */
  readonly calls: Record<DelayedOperation, number> = { resolve: 0, expandGroup: 0, findCopies: 0, findForwards: 0, move: 0, listMessages: 0, readMime: 0 };

  constructor({ tenant, stateFile, delaysMs = {}, quarantine = {}, maxConcurrentCalls }: SimulatedProviderOptions) {
    this.serviceSlots = maxConcurrentCalls === undefined ? undefined : pLimit(maxConcurrentCalls);
    this.tenant = tenant;
    this.settings = QuarantineSettings.parse(quarantine);
    this.tenantId = tenant.tenantId;
    this.stateFile = stateFile === undefined ? undefined : new TenantStateFile(stateFile);
    this.delaysMs = delaysMs;
  }

  /**
   * The tenant saved in `stateFile` when there is one (mailboxes persist between runs), else
   * seeded from the scenario and saved at once.
   */
  static async open({ scenario, ...options }: OpenSimulatedProviderOptions): Promise<SimulatedProvider> {
    const saved = options.stateFile === undefined ? undefined : await new TenantStateFile(options.stateFile).read();
    const provider = new SimulatedProvider({ ...options, tenant: saved ?? Tenant.fromScenario(scenario) });
    if (!saved) await provider.save();
    return provider;
  }

  async resolve(addresses: string[]): Promise<Resolution[]> {
    await this.delay('resolve');
    return addresses.map((address) => this.resolveOne(address));
  }

  async expandGroup(group: GroupRef): Promise<GroupExpansion> {
    await this.delay('expandGroup');
    const stored = group.tenantId === this.tenantId ? this.tenant.group(group.groupId) : undefined;
    if (!stored) {
      throw new ProviderError('ProviderRejected', `no list ${group.address} (${group.groupId}) in tenant ${this.tenantId}`, {
        tenantId: this.tenantId,
        operation: 'expandGroup',
      });
    }
    const members = this.tenant.expandGroup(stored.id);
    return {
      group,
      mailboxes: members.mailboxes.map((mailbox) => this.mailboxRef(mailbox)),
      external: members.external,
      nestedGroups: members.nestedGroups.map((nested) => this.groupRef(nested)),
    };
  }

  /**
   * Every folder counts (subfolders, Deleted Items, Junk Email, Recoverable Items) except
   * Clawback's quarantine folder, whose copies are already contained.
   */
  async findCopies(mailbox: MailboxRef, query: MessageQuery): Promise<MessageCopy[]> {
    await this.delay('findCopies');
    const mailboxId = this.requireMailbox(mailbox, 'findCopies').id;
    const quarantine = this.tenant.findFolder(mailboxId, this.settings.folderName);
    const byMessageId = this.tenant.findMessages(mailboxId, query.messageId);
    const matches = byMessageId.length > 0 ? byMessageId : this.fallbackMatches(mailboxId, query);
    // In the quarantine mailbox, the evidence kept for incidents is contained too.
    const isQuarantineMailbox = mailbox.address.toLowerCase() === this.settings.mailbox;
    const contained = (message: MessageView) =>
      message.folderId === quarantine?.id || (isQuarantineMailbox && message.folderPath.startsWith(`${EVIDENCE_FOLDER_NAME}/`));
    return matches.filter((message) => !contained(message)).map((message) => this.messageCopy(mailbox, message));
  }

  /**
   * Forwards sit in the forwarder's Sent Items. A message whose References or In-Reply-To name
   * the original is one; a message with no such headers at all is one when its subject is
   * "FW:/Fwd: <original subject>" and it was sent after the original arrived. A message whose
   * headers name some other message is never one, whatever its subject.
   */
  async findForwards(mailbox: MailboxRef, original: MessageCopy): Promise<Forward[]> {
    await this.delay('findForwards');
    const mailboxId = this.requireMailbox(mailbox, 'findForwards').id;
    const originalId = canonicalMessageId(original.internetMessageId);
    const forwards = new Map<string, Forward>();
    for (const sent of this.tenant.messagesIn(mailboxId, 'sentitems')) {
      if (!isForwardOf(sent, originalId, original)) continue;
      forwards.set(canonicalMessageId(sent.internetMessageId), {
        from: mailbox,
        messageId: sent.internetMessageId,
        recipients: [...sent.to, ...sent.cc],
        subject: sent.subject,
        sentAt: sent.date,
      });
    }
    return [...forwards.values()];
  }

  /**
   * Moves each copy into the action's folder, remembering on the message where it was. A copy
   * already there (a retry after a crash) is reported pulled again from that memory, never
   * moved twice; a copy that no longer exists is reported gone.
   */
  async quarantine(copies: MessageCopy[], action: QuarantineAction, incidentId: string): Promise<PullResult[]> {
    const results: PullResult[] = [];
    const created: CreatedFolder[] = [];
    for (const copy of copies) results.push(await this.pull(copy, action, incidentId, created));
    return withCreatedFolders(results, created);
  }

  /**
   * Moves each pulled copy back to its original folder with its read state, or to the Inbox when
   * that folder was deleted meanwhile. A copy already out of quarantine is reported where it is;
   * one that no longer exists is reported gone.
   */
  async restore(records: PullRecord[]): Promise<RestoreResult[]> {
    const results: RestoreResult[] = [];
    for (const record of records) results.push(await this.putBack(record));
    return results;
  }

  async listMessages(mailbox: MailboxRef, folder: string, limit: number): Promise<ListedMessage[]> {
    const mailboxId = this.requireMailbox(mailbox, 'listMessages').id;
    await this.delay('listMessages');
    return listFolder(this.tenant, mailboxId, folder, limit);
  }

  async readMime(mailbox: MailboxRef, itemId: string): Promise<Buffer> {
    this.requireMailbox(mailbox, 'readMime');
    await this.delay('readMime');
    return readMessageMime(this.tenant, mailbox, itemId);
  }

  async moveToFolder(mailbox: MailboxRef, itemId: string, folder: string): Promise<{ itemId: string; folderId: string }> {
    this.requireMailbox(mailbox, 'moveToFolder');
    await this.delay('move');
    const moved = moveMessage(this.tenant, mailbox, itemId, folder);
    await this.save();
    return moved;
  }

  private async pull(copy: MessageCopy, action: QuarantineAction, incidentId: string, created: CreatedFolder[]): Promise<PullResult> {
    const mailbox = this.requireMailbox(copy.mailbox, 'quarantine');
    const mailboxId = mailbox.id;
    await this.delay('move');
    const message = this.tenant.message(mailboxId, copy.itemId);
    if (!message) return { outcome: 'gone', itemId: copy.itemId, detail: `${copy.mailbox.address} no longer holds this message` };
    const target = this.quarantineFolder(mailbox, action, created);
    const origin: QuarantineOrigin = message.quarantinedFrom ?? {
      folderId: message.folderId,
      folderPath: message.folderPath,
      isRead: message.isRead,
      incidentId,
      pulledAt: new Date().toISOString(),
    };
    const alreadyQuarantined = message.folderId === target.id;
    const evidence = action === 'quarantine-mailbox' ? this.keepEvidence(message, incidentId, created) : undefined;
    const quarantinedItemId = alreadyQuarantined ? message.itemId : this.tenant.move(mailboxId, message.itemId, target.id, { quarantinedFrom: origin }).itemId;
    if (!alreadyQuarantined || evidence) await this.save();
    return {
      outcome: alreadyQuarantined ? 'already-quarantined' : 'pulled',
      itemId: copy.itemId,
      record: {
        copy: { ...copy, folderId: origin.folderId, folderPath: origin.folderPath, isRead: origin.isRead },
        action,
        quarantinedItemId,
        quarantineFolderId: target.id,
        pulledAt: origin.pulledAt,
        ...(evidence ? { evidence } : {}),
      },
    };
  }

  /**
   * `quarantine-mailbox`: one copy of the message in the quarantine mailbox's folder for the
   * incident, made once however many mailboxes held the message or however often this is retried.
   */
  private keepEvidence(message: MessageView, incidentId: string, created: CreatedFolder[]): NonNullable<PullRecord['evidence']> {
    const address = this.settings.mailbox;
    const entry = address === undefined ? undefined : this.tenant.resolveAddress(address);
    if (entry?.kind !== 'mailbox') {
      throw new ProviderError('ProviderRejected', `quarantine-mailbox needs a quarantine mailbox in tenant ${this.tenantId}; ${address ?? 'none'} is not one`, {
        tenantId: this.tenantId,
        operation: 'quarantine',
      });
    }
    const quarantineMailbox = entry.mailbox;
    const folder = this.evidenceFolder(quarantineMailbox, incidentId, created);
    const existing = this.tenant.messagesIn(quarantineMailbox.id, folder.id).find((held) => canonicalMessageId(held.internetMessageId) === canonicalMessageId(message.internetMessageId));
    const kept = existing ?? this.tenant.importMessage(quarantineMailbox.id, folder.id, Tenant.contentOf(message), { isRead: false });
    return { mailbox: quarantineMailbox.address, folderId: folder.id, itemId: kept.itemId };
  }

  private async putBack(record: PullRecord): Promise<RestoreResult> {
    const { copy } = record;
    const mailboxId = this.requireMailbox(copy.mailbox, 'restore').id;
    await this.delay('move');
    const message = this.tenant.message(mailboxId, copy.itemId) ?? this.tenant.message(mailboxId, record.quarantinedItemId);
    if (!message) return { outcome: 'missing', itemId: copy.itemId, detail: `${copy.mailbox.address} no longer holds this message: it was deleted after the pull` };
    if (message.folderId !== record.quarantineFolderId || message.folderId === copy.folderId) {
      return restored(copy.itemId, message, message.folderId === copy.folderId);
    }
    const originalFolder = this.tenant.findFolder(mailboxId, copy.folderId);
    const destination = originalFolder ?? this.tenant.requireFolder(mailboxId, 'inbox');
    const moved = this.tenant.move(mailboxId, message.itemId, destination.id, { isRead: copy.isRead });
    await this.save();
    return restored(copy.itemId, moved, originalFolder !== undefined);
  }

  /** `Clawback Incidents/<incident>`, each missing folder on the way made (visible) and reported in `created`. */
  private evidenceFolder(mailbox: StoredMailbox, incidentId: string, created: CreatedFolder[]): FolderView {
    let folder: FolderView | undefined;
    for (const name of [EVIDENCE_FOLDER_NAME, incidentId]) {
      const parentFolderId = folder?.id;
      folder =
        this.tenant.findFolder(mailbox.id, folder ? `${folder.path}/${name}` : name) ??
        madeFolder(created, mailbox.address, this.tenant.createFolder(mailbox.id, name, parentFolderId === undefined ? {} : { parentFolderId }));
    }
    return folder!;
  }

  private quarantineFolder(mailbox: StoredMailbox, action: QuarantineAction, created: CreatedFolder[]): FolderView {
    switch (action) {
      case 'quarantine-folder':
      case 'quarantine-mailbox':
        return (
          this.tenant.findFolder(mailbox.id, this.settings.folderName) ??
          madeFolder(created, mailbox.address, this.tenant.createFolder(mailbox.id, this.settings.folderName, { isHidden: true }))
        );
      case 'soft-delete':
        return this.tenant.requireFolder(mailbox.id, 'recoverableitemsdeletions');
      case 'junk':
        return this.tenant.requireFolder(mailbox.id, 'junkemail');
    }
  }

  private resolveOne(address: string): Resolution {
    const normalised = address.trim().toLowerCase();
    const at = normalised.lastIndexOf('@');
    if (at <= 0 || at === normalised.length - 1) return { kind: 'unknown', address, reason: 'not an email address' };
    const entry = this.tenant.resolveAddress(normalised);
    if (entry?.kind === 'mailbox') return { kind: 'mailbox', address, mailbox: this.mailboxRef(entry.mailbox) };
    if (entry?.kind === 'group') return { kind: 'group', address, group: this.groupRef(entry.group) };
    const domain = normalised.slice(at + 1);
    if (!entry && this.tenant.ownsDomain(domain)) {
      return { kind: 'unknown', address, reason: `no mailbox or list in ${domain} has this address` };
    }
    return { kind: 'external', address };
  }

  /** When the Message-ID was rewritten on the way in: same sender and subject, inside the time window. */
  private fallbackMatches(mailboxId: string, query: MessageQuery): MessageView[] {
    const matches = fallbackMatcher(query);
    if (!matches) return [];
    return this.tenant.messagesOf(mailboxId).filter((message) => matches({ ...message, receivedAt: Date.parse(message.receivedAt) }));
  }

  private requireMailbox(mailbox: MailboxRef, operation: string): StoredMailbox {
    const stored = mailbox.tenantId === this.tenantId ? this.tenant.mailbox(mailbox.mailboxId) : undefined;
    if (!stored) {
      throw new ProviderError('MailboxNotFound', `no mailbox ${mailbox.address} (${mailbox.mailboxId}) in tenant ${this.tenantId}`, {
        tenantId: this.tenantId,
        mailbox: mailbox.address,
        operation,
      });
    }
    return stored;
  }

  private mailboxRef(mailbox: StoredMailbox): MailboxRef {
    return { tenantId: this.tenantId, mailboxId: mailbox.id, address: mailbox.address, kind: mailbox.kind };
  }

  private groupRef(group: StoredGroup): GroupRef {
    return { tenantId: this.tenantId, groupId: group.id, address: group.address };
  }

  /**
   * The copy's itemId is the message's immutable id, as a Graph adapter would request with
   * `Prefer: IdType="ImmutableId"`: it survives the user's moves between search and pull, and
   * Clawback's own moves, so it names the copy for the whole incident.
   */
  private messageCopy(mailbox: MailboxRef, message: MessageView): MessageCopy {
    return {
      mailbox,
      itemId: message.immutableId,
      internetMessageId: message.internetMessageId,
      folderId: message.folderId,
      folderPath: message.folderPath,
      isRead: message.isRead,
      subject: message.subject,
      receivedAt: message.receivedAt,
    };
  }

  /** One call to the simulated service: counted, and as slow as configured once it gets a slot. */
  private async delay(operation: DelayedOperation): Promise<void> {
    this.calls[operation]++;
    const ms = this.delaysMs[operation] ?? 0;
    if (ms === 0) return;
    await (this.serviceSlots ? this.serviceSlots(() => sleep(ms)) : sleep(ms));
  }

  private async save(): Promise<void> {
    await this.stateFile?.save(this.tenant);
  }
}

function isForwardOf(sent: MessageView, originalId: string, original: MessageCopy): boolean {
  const named = [...sent.references, ...(sent.inReplyTo ? [sent.inReplyTo] : [])].map(canonicalMessageId);
  if (named.length > 0) return named.includes(originalId);
  const forwardedSubject = FORWARD_SUBJECT.exec(sent.subject)?.[1];
  if (forwardedSubject === undefined || !original.subject) return false;
  const sentAfterArrival = !original.receivedAt || Date.parse(sent.date) >= Date.parse(original.receivedAt);
  return forwardedSubject.trim().toLowerCase() === original.subject.trim().toLowerCase() && sentAfterArrival;
}

/** Records a folder the pull just made, for the audit trail. */
function madeFolder(created: CreatedFolder[], mailbox: string, folder: FolderView): FolderView {
  created.push({ mailbox, folderId: folder.id, path: folder.path, hidden: folder.isHidden });
  return folder;
}

function restored(itemId: string, message: MessageView, originalFolder: boolean): RestoreResult {
  return { outcome: 'restored', itemId, folderId: message.folderId, folderPath: message.folderPath, originalFolder };
}
