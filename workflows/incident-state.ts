import type {
  ApprovalThresholds,
  AuditEntry,
  IncidentOutcome,
  IncidentStateView,
  StateView,
  CopyState,
  IncidentInput,
  IncidentState,
  IncidentStatus,
  Provenance,
  ResidualExposure,
} from '../src/domain/incident.js';
import type { CreatedFolder, GroupExpansion, MailboxRef, MessageCopy, PullRecord, PullResult, QuarantineAction, Resolution, RestoreResult } from '../src/domain/mail.js';
import { QUARANTINE_DESTINATION } from '../src/domain/incident.js';
import { copyKey, mailboxKey } from '../src/domain/mail.js';
import type { CopyOutcome, MailboxFailure } from '../activities/mailbox.js';
import type { Forward } from '../src/domain/mail.js';
import type { NotificationRecord } from '../src/domain/notification.js';
import type { AdminAction, AlertReceived, ResendAction } from './messages.js';
import type { SearchProgress } from './details.js';

/** Addresses to search for one message: the original, or a forward of it. */
export interface Target {
  messageId: string;
  recipients: { address: string; provenance: Provenance }[];
  depth: number;
}

export interface MailboxToSearch {
  mailbox: MailboxRef;
  provenance: Provenance;
}

/** The incident as one run hands it to the next (continue-as-new): plain data, Maps and Sets as entries. */
export interface IncidentMemory {
  state: IncidentState;
  queue: Target[];
  searched: string[];
  scope: [string, { target: Target; mailboxes: MailboxToSearch[] }][];
  residualSeen: string[];
  initialAlertAcknowledged: boolean;
  approvedBy?: string;
  undosCompleted: number;
  undone: [string, MailboxRef][];
  searchRun: { startedAt: number; doneBefore: number };
  mailboxesSearchedDone: number;
  pulledAnnounced: string[];
  copyFound: [string, MessageCopy][];
}

/**
 * Residual reasons that keep an incident from being `contained`: a copy in scope may still be
 * reachable. External recipients and excluded mailboxes are out of scope: listed, not blocking.
 */
const BLOCKING_RESIDUAL: ResidualExposure['reason'][] = ['unknown-recipient', 'over-scope-limit', 'provider-failure', 'provider-limit', 'undone'];

/** Copies or audit entries per page when a reader does not say. */
const DEFAULT_PAGE = 1000;

/** Histories recorded before these options existed carry no value for them. */
const NO_THRESHOLDS: ApprovalThresholds = { vipMailboxes: [], sharedMailboxes: false };

/**
 * The incident's state and every decision about it. The workflow function only sequences
 * activities; this class says what to do with their results, so it reads (and is tested)
 * without Temporal in the way.
 */
export class Incident {
  readonly state: IncidentState;
  private readonly queue: Target[] = [];
  /** `messageId mailboxKey` pairs already searched: recursion never searches a mailbox twice. */
  private readonly searched = new Set<string>();
  /** Per message searched for, the mailboxes searched: what a late-copy sweep searches again. */
  private readonly scope = new Map<string, { target: Target; mailboxes: MailboxToSearch[] }>();
  private readonly residualSeen = new Set<string>();
  private initialAlertAcknowledged = false;
  private approvedBy?: string;
  undoRequest?: AdminAction;
  undosCompleted = 0;
  private undosRequested = 0;
  /** Mailboxes an undo put back: out of sweeps and merged pulls until a re-pull. */
  private readonly undone = new Map<string, MailboxRef>();

  /** A new incident, or (`memory`) the same one carried over from the run before a continue-as-new. */
  constructor(
    private readonly input: IncidentInput,
    memory?: IncidentMemory,
  ) {
    if (memory) {
      this.state = memory.state;
      this.recall(memory);
      return;
    }
    const now = new Date().toISOString();
    const { alert } = input;
    this.state = {
      incidentId: input.incidentId,
      status: 'pulling',
      policy: input.policy,
      messageId: alert.messageId,
      sender: alert.sender,
      subject: alert.subject,
      sources: [input.source],
      alertKeys: [input.alertKey],
      recipients: [],
      counts: { recipients: 0, mailboxesSearched: 0, copiesFound: 0, copiesPulled: 0, copiesRestored: 0, forwards: 0, residual: 0 },
      copies: [],
      forwards: [],
      residualExposure: [],
      audit: [],
      notifications: [],
      createdAt: now,
      updatedAt: now,
    };
    this.audit(`source:${input.source}`, 'alert', alert.messageId, `${alert.threat.classification} alert for ${alert.recipients.length} recipient(s)`);
    this.enqueueRecipients(alert.recipients);
  }

  get options() {
    return this.input.options;
  }

  /** Nothing is half done (no pull answer awaited, no undo running): the incident can move to a new run. */
  get settledForNewRun(): boolean {
    return this.pullsInFlight.size === 0 && !this.undoRequest && this.undosCompleted === this.undosRequested;
  }

  /** Copies, audit entries and searched pairs: what the carried state's size (and packing time) grows with. */
  get carriedItems(): number {
    return this.state.copies.length + this.state.audit.length + this.searched.size;
  }

  /** Everything the incident knows, for the next run of a continue-as-new. */
  memory(): IncidentMemory {
    return {
      state: this.state,
      queue: this.queue,
      searched: [...this.searched],
      scope: [...this.scope],
      residualSeen: [...this.residualSeen],
      initialAlertAcknowledged: this.initialAlertAcknowledged,
      ...(this.approvedBy === undefined ? {} : { approvedBy: this.approvedBy }),
      undosCompleted: this.undosCompleted,
      undone: [...this.undone],
      searchRun: this.searchRun,
      mailboxesSearchedDone: this.mailboxesSearchedDone,
      pulledAnnounced: [...this.pulledAnnounced],
      // Only a copy still waiting for its pull needs the provider's view; the rest is in `state.copies`.
      copyFound: [...this.copyFound].filter(([key]) => this.copyByKey.get(key)?.status === 'found'),
    };
  }

  private recall(memory: IncidentMemory): void {
    this.queue.push(...memory.queue);
    for (const key of memory.searched) this.searched.add(key);
    for (const [messageId, entry] of memory.scope) this.scope.set(messageId, entry);
    for (const key of memory.residualSeen) this.residualSeen.add(key);
    this.initialAlertAcknowledged = memory.initialAlertAcknowledged;
    this.approvedBy = memory.approvedBy;
    this.undosCompleted = this.undosRequested = memory.undosCompleted;
    for (const [key, mailbox] of memory.undone) this.undone.set(key, mailbox);
    this.searchRun = memory.searchRun;
    this.mailboxesSearchedDone = memory.mailboxesSearchedDone;
    for (const key of memory.pulledAnnounced) this.pulledAnnounced.add(key);
    for (const copy of this.state.copies) this.copyByKey.set(copy.key, copy);
    for (const [key, copy] of memory.copyFound) this.copyFound.set(key, copy);
  }

  /** The state with `copies` and `audit` cut to the requested pages. */
  view(requested: Partial<StateView> = {}): IncidentStateView {
    const copiesOffset = requested.copiesOffset ?? 0;
    const copiesLimit = requested.copiesLimit ?? DEFAULT_PAGE;
    const auditOffset = requested.auditOffset ?? 0;
    const auditLimit = requested.auditLimit ?? DEFAULT_PAGE;
    const { copies, audit } = this.state;
    return {
      ...this.state,
      copies: copies.slice(copiesOffset, copiesOffset + copiesLimit),
      audit: audit.slice(auditOffset, auditOffset + auditLimit),
      pages: {
        copies: { offset: copiesOffset, limit: copiesLimit, total: copies.length },
        audit: { offset: auditOffset, limit: auditLimit, total: audit.length },
      },
    };
  }

  get outcome(): IncidentOutcome {
    const { incidentId, status, counts } = this.state;
    return { incidentId, status, counts };
  }

  get links() {
    return this.input.links;
  }

  /** When the current run of searches began, and how many mailboxes had answered by then. */
  private searchRun = { startedAt: 0, doneBefore: 0 };
  private mailboxesSearchedDone = 0;

  /** Called when a search batch has answered (or failed for good). */
  noteSearched(mailboxes: number): void {
    this.mailboxesSearchedDone += mailboxes;
  }

  /** Mailboxes claimed for search and those answered, with an ETA from this run's pace. */
  searchProgress(): SearchProgress {
    const queued = this.state.counts.mailboxesSearched;
    const searched = Math.min(this.mailboxesSearchedDone, queued);
    const doneThisRun = searched - this.searchRun.doneBefore;
    const elapsed = Date.now() - this.searchRun.startedAt;
    const etaMs = searched < queued && doneThisRun > 0 ? Math.round((elapsed / doneThisRun) * (queued - searched)) : undefined;
    return { searched, queued, ...(etaMs === undefined ? {} : { etaMs }) };
  }

  /** The actor pulls are attributed to: the approving admin, or the source whose policy allowed it. */
  get pullActor(): string {
    return this.approvedBy ? `admin:${this.approvedBy}` : `source:${this.input.source}`;
  }

  receiveAlert({ alert, source, alertKey }: AlertReceived): 'started' | 'merged' {
    if (alertKey === this.input.alertKey && !this.initialAlertAcknowledged) {
      this.initialAlertAcknowledged = true;
      return 'started';
    }
    if (this.state.alertKeys.includes(alertKey)) return 'merged';
    this.state.alertKeys.push(alertKey);
    if (!this.state.sources.includes(source)) this.state.sources.push(source);
    const added = this.enqueueRecipients(alert.recipients);
    this.audit(`source:${source}`, 'merge', alert.messageId, `merged alert adding ${added} new recipient(s)`);
    return 'merged';
  }

  private enqueueRecipients(addresses: string[]): number {
    const fresh = addresses.filter((a) => !this.state.recipients.includes(a));
    if (fresh.length === 0) return 0;
    this.state.recipients.push(...fresh);
    this.queue.push({
      messageId: this.state.messageId,
      depth: 0,
      recipients: fresh.map((address) => ({ address, provenance: { via: 'direct', depth: 0 } })),
    });
    this.touch();
    return fresh.length;
  }

  hasPendingTargets(): boolean {
    return this.queue.length > 0;
  }

  nextTarget(): Target | undefined {
    return this.queue.shift();
  }

  /** Splits resolutions into mailboxes to search and lists to expand; records what is out of reach. */
  acceptResolutions(target: Target, resolutions: Resolution[]) {
    const provenanceOf = new Map(target.recipients.map((r) => [r.address, r.provenance]));
    const mailboxes: MailboxToSearch[] = [];
    const groups: { group: Extract<Resolution, { kind: 'group' }>['group']; provenance: Provenance }[] = [];
    for (const resolution of resolutions) {
      const provenance = provenanceOf.get(resolution.address) ?? { via: 'direct' as const, depth: target.depth };
      switch (resolution.kind) {
        case 'mailbox':
          mailboxes.push({ mailbox: resolution.mailbox, provenance });
          break;
        case 'group':
          groups.push({ group: resolution.group, provenance });
          break;
        case 'external':
          this.addResidual({ address: resolution.address, reason: 'external', detail: describeReach(provenance, target) });
          break;
        case 'unknown':
          this.addResidual({ address: resolution.address, reason: 'unknown-recipient', detail: resolution.reason });
          break;
      }
    }
    return { mailboxes, groups };
  }

  acceptExpansions(target: Target, expansions: GroupExpansion[], provenanceOf: Map<string, Provenance>): MailboxToSearch[] {
    const mailboxes: MailboxToSearch[] = [];
    for (const expansion of expansions) {
      const parent = provenanceOf.get(expansion.group.address);
      const provenance: Provenance =
        parent?.via === 'forward' ? parent : { via: 'list', through: expansion.group.address, depth: target.depth };
      mailboxes.push(...expansion.mailboxes.map((mailbox) => ({ mailbox, provenance })));
      for (const address of expansion.external) {
        this.addResidual({ address, reason: 'external', detail: `member of list ${expansion.group.address}` });
      }
    }
    return mailboxes;
  }

  /**
   * The mailboxes not yet searched for this message, each once, and marks them searched.
   * Excluded mailboxes and those over the incident's scope limit are residual exposure instead.
   */
  claimUnsearched(target: Target, candidates: MailboxToSearch[]): MailboxToSearch[] {
    const { messageId } = target;
    if (this.mailboxesSearchedDone >= this.state.counts.mailboxesSearched) this.searchRun = { startedAt: Date.now(), doneBefore: this.mailboxesSearchedDone };
    const excluded = new Set(this.options.excludedMailboxes ?? []);
    const maxMailboxes = this.options.maxMailboxes ?? Infinity;
    const claimed: MailboxToSearch[] = [];
    for (const candidate of candidates) {
      const key = `${messageId} ${mailboxKey(candidate.mailbox)}`;
      if (this.searched.has(key)) continue;
      this.searched.add(key);
      const { address } = candidate.mailbox;
      if (excluded.has(address.toLowerCase())) {
        this.addResidual({ address, reason: 'excluded', detail: 'excluded by policy: not searched' });
      } else if (this.state.counts.mailboxesSearched + claimed.length >= maxMailboxes) {
        this.addResidual({ address, reason: 'over-scope-limit', detail: `not searched: the incident's limit is ${maxMailboxes} mailboxes` });
      } else {
        claimed.push(candidate);
      }
    }
    this.state.counts.mailboxesSearched += claimed.length;
    const inScope = this.scope.get(messageId) ?? { target, mailboxes: [] };
    inScope.mailboxes.push(...claimed);
    this.scope.set(messageId, inScope);
    this.touch();
    return claimed;
  }

  /** Every mailbox searched so far, per message, in batches: a late-copy sweep searches them again. */
  sweepBatches(size: number): { target: Target; batch: MailboxToSearch[] }[] {
    return [...this.scope.values()].flatMap(({ target, mailboxes }) =>
      chunk(
        mailboxes.filter((candidate) => !this.undone.has(mailboxKey(candidate.mailbox))),
        size,
      ).map((batch) => ({ target, batch })),
    );
  }

  /** Records a sweep that found copies delivered after the pull. */
  noteLateCopies(found: number): void {
    this.audit('policy', 'search', this.state.messageId, `late-copy sweep found ${found} new copy(ies)`);
    this.touch();
  }

  get threat() {
    return this.input.alert.threat;
  }

  /** User mailboxes already named in an event as pulled: each owner is told once. */
  private readonly pulledAnnounced = new Set<string>();

  /** User mailboxes with a pulled copy that no event has reported yet, marked reported. */
  claimPulledMailboxes(): string[] {
    const fresh: string[] = [];
    for (const copy of this.state.copies) {
      if (copy.status !== 'pulled' || copy.mailbox.kind !== 'user') continue;
      const key = mailboxKey(copy.mailbox);
      if (this.pulledAnnounced.has(key)) continue;
      this.pulledAnnounced.add(key);
      fresh.push(copy.mailbox.address);
    }
    return fresh;
  }

  /** A notification on its way to a channel; returns its number. */
  noteNotification(channel: string, event: { type: string; id: string }): number {
    this.state.notifications ??= [];
    const n = this.state.notifications.length;
    this.state.notifications.push({ n, channel, event: event.type, eventId: event.id, status: 'sending', attempts: 0, at: new Date().toISOString() });
    return n;
  }

  /** How a notification ended: delivered, or failed after `attempts` (then it is in the audit trail and can be re-sent). */
  settleNotification(n: number, outcome: { attempts: number; error?: string }): void {
    const record = this.state.notifications![n]!;
    record.attempts += outcome.attempts;
    record.at = new Date().toISOString();
    if (outcome.error === undefined) {
      record.status = 'delivered';
      delete record.lastError;
    } else {
      record.status = 'failed';
      record.lastError = outcome.error;
      this.audit('policy', 'notify', record.channel, `${record.event} not delivered after ${record.attempts} attempt(s): ${outcome.error}`);
    }
  }

  validateResend(action: ResendAction): void {
    requireActor(action);
    const record: NotificationRecord | undefined = this.state.notifications?.[action.notification];
    if (!record) throw new Error(`the incident has no notification ${action.notification}`);
    if (record.status !== 'failed') throw new Error(`notification ${action.notification} is ${record.status}: only a failed one is re-sent`);
  }

  /** Marks a failed notification as sending again; the caller sends it. */
  requestResend(action: ResendAction): NotificationRecord {
    const record = this.state.notifications![action.notification]!;
    record.status = 'sending';
    record.at = new Date().toISOString();
    this.audit(`admin:${action.actor}`, 'notify', record.channel, `${record.event} re-sent${action.reason ? `: ${action.reason}` : ''}`);
    return record;
  }

  /** True when an `auto` incident must search first to learn whether it needs an approval. */
  get hasApprovalThresholds(): boolean {
    const { mailboxesAbove, vipMailboxes, sharedMailboxes } = this.options.approvalWhen ?? NO_THRESHOLDS;
    return mailboxesAbove !== undefined || vipMailboxes.length > 0 || sharedMailboxes;
  }

  /** Why the copies found make this incident wait for an admin, if they do. */
  escalationReason(): string | undefined {
    const { mailboxesAbove, vipMailboxes, sharedMailboxes } = this.options.approvalWhen ?? NO_THRESHOLDS;
    const holding = new Map(this.state.copies.map((copy) => [mailboxKey(copy.mailbox), copy.mailbox]));
    const mailboxes = [...holding.values()];
    const reasons: string[] = [];
    if (mailboxesAbove !== undefined && mailboxes.length > mailboxesAbove) reasons.push(`${mailboxes.length} mailboxes hold a copy (over ${mailboxesAbove})`);
    const vip = new Set(vipMailboxes);
    const vipHit = mailboxes.filter((mailbox) => vip.has(mailbox.address.toLowerCase())).map((mailbox) => mailbox.address);
    if (vipHit.length > 0) reasons.push(`VIP mailbox(es) ${vipHit.join(', ')}`);
    const shared = mailboxes.filter((mailbox) => mailbox.kind === 'shared').map((mailbox) => mailbox.address);
    if (sharedMailboxes && shared.length > 0) reasons.push(`shared mailbox(es) ${shared.join(', ')}`);
    return reasons.length > 0 ? reasons.join('; ') : undefined;
  }

  escalate(reason: string): void {
    this.audit('policy', 'escalate', this.state.messageId, `approval required: ${reason}`);
    this.touch();
  }

  acceptSearch(batch: MailboxToSearch[], copies: MessageCopy[], failures: MailboxFailure[]): CopyState[] {
    const provenanceOf = new Map(batch.map((b) => [mailboxKey(b.mailbox), b.provenance]));
    const added: CopyState[] = [];
    for (const copy of copies) {
      const key = copyKey(copy);
      const known = this.copyByKey.get(key);
      // A copy an undo put back and a re-pull found again (providers with stable ids keep its key).
      if (known?.status === 'restored' && !this.undone.has(mailboxKey(copy.mailbox))) {
        Object.assign(known, { status: 'found', folderPath: copy.folderPath, isRead: copy.isRead });
        delete known.record;
        delete known.detail;
        this.copyFound.set(key, copy);
        added.push(known);
        continue;
      }
      if (known) continue;
      const state: CopyState = {
        key,
        mailbox: copy.mailbox,
        messageId: copy.internetMessageId,
        folderPath: copy.folderPath,
        isRead: copy.isRead,
        provenance: provenanceOf.get(mailboxKey(copy.mailbox)) ?? { via: 'direct', depth: 0 },
        status: 'found',
      };
      this.state.copies.push(state);
      this.copyByKey.set(key, state);
      this.copyFound.set(key, copy);
      added.push(state);
    }
    for (const failure of failures) {
      this.addResidual({ address: failure.mailbox.address, reason: 'provider-failure', detail: `search failed: ${failure.detail}` });
    }
    this.touch();
    return added;
  }

  /** The incident's copies by key: outcomes of a 10,000-mailbox pull are matched in constant time. */
  private readonly copyByKey = new Map<string, CopyState>();

  /** The provider's view of each found copy, which quarantine and forward-following need. */
  private readonly copyFound = new Map<string, MessageCopy>();

  foundCopies(states: CopyState[]): MessageCopy[] {
    return states.map((s) => this.copyFound.get(s.key)!).filter(Boolean);
  }

  /** Copies whose mailboxes may have forwarded the message further, within the depth bound. */
  copiesToFollow(target: Target, added: CopyState[]): MessageCopy[] {
    if (target.depth >= this.options.maxForwardDepth) return [];
    return this.foundCopies(added);
  }

  acceptForwards(target: Target, forwards: Forward[], failures: MailboxFailure[]): void {
    for (const forward of forwards) {
      if (this.state.forwards.some((f) => f.messageId === forward.messageId)) continue;
      const depth = target.depth + 1;
      this.state.forwards.push({ from: forward.from.address, messageId: forward.messageId, recipients: forward.recipients, depth });
      const provenance: Provenance = { via: 'forward', through: forward.from.address, depth };
      // The forwarder's own mailbox holds the sent copy of the forward: search it too.
      const addresses = [...new Set([...forward.recipients, forward.from.address])];
      this.queue.push({ messageId: forward.messageId, depth, recipients: addresses.map((address) => ({ address, provenance })) });
    }
    for (const failure of failures) {
      this.addResidual({ address: failure.mailbox.address, reason: 'provider-failure', detail: `forward search failed: ${failure.detail}` });
    }
    this.touch();
  }

  /** Copies handed to a quarantine activity that has not answered yet. */
  private readonly pullsInFlight = new Set<string>();

  /** Found copies no pull has taken yet, marked taken: parallel batches never pull a copy twice. */
  claimCopiesToPull(): MessageCopy[] {
    const copies = this.state.copies.filter((c) => c.status === 'found' && !this.pullsInFlight.has(c.key));
    for (const copy of copies) this.pullsInFlight.add(copy.key);
    return this.foundCopies(copies);
  }

  acceptPulls(outcomes: CopyOutcome<PullResult>[], action: QuarantineAction): void {
    const actor = this.pullActor;
    for (const { copyKey: key, result } of outcomes) {
      this.pullsInFlight.delete(key);
      // Made before the moves into it, so audited before them.
      for (const folder of result.createdFolders ?? []) this.auditFolderCreation(actor, folder, action);
      const copy = this.copyByKey.get(key);
      if (!copy) continue;
      const mutation = { mailbox: copy.mailbox.address, itemId: result.itemId, from: copy.folderPath, to: QUARANTINE_DESTINATION[action], result: result.outcome };
      const target = `${copy.mailbox.address} ${copy.folderPath}`;
      switch (result.outcome) {
        case 'pulled':
        case 'already-quarantined':
          copy.status = 'pulled';
          copy.record = result.record;
          if (result.record.stillVisible) this.addResidual({ address: copy.mailbox.address, reason: 'provider-limit', detail: result.record.stillVisible });
          this.audit(
            actor,
            'quarantine',
            target,
            result.outcome === 'pulled' ? `${action} of ${copy.messageId} (${this.reason()})` : `${copy.messageId} was already in quarantine: not moved again`,
            { ...mutation, newItemId: result.record.quarantinedItemId },
          );
          break;
        case 'gone':
          copy.status = 'gone';
          copy.detail = result.detail;
          this.addResidual({ address: copy.mailbox.address, reason: 'gone-before-pull', detail: result.detail });
          this.audit(actor, 'quarantine', target, `${action} of ${copy.messageId} found nothing to move: ${result.detail}`, mutation);
          break;
        case 'failed':
          copy.status = 'failed';
          copy.detail = result.detail;
          this.addResidual({ address: copy.mailbox.address, reason: 'provider-failure', detail: `quarantine failed: ${result.detail}` });
          this.audit(actor, 'quarantine', target, `${action} of ${copy.messageId} failed: ${result.detail}`, mutation);
          break;
      }
    }
    this.touch();
  }

  private auditFolderCreation(actor: string, folder: CreatedFolder, action: QuarantineAction): void {
    const kind = folder.hidden ? 'hidden' : 'visible';
    this.audit(actor, 'folder-create', `${folder.mailbox} ${folder.path}`, `${kind} folder created for ${action} (${this.reason()})`, {
      mailbox: folder.mailbox,
      itemId: folder.folderId,
      to: folder.path,
      result: 'created',
    });
  }

  /** Called when a pull activity failed after all its retries: every copy it held stays exposed. */
  failPulls(copies: MessageCopy[], action: QuarantineAction, detail: string): void {
    this.acceptPulls(copies.map((copy) => ({ copyKey: copyKey(copy), result: { outcome: 'failed', itemId: copy.itemId, detail } })), action);
  }

  failSearch(batch: MailboxToSearch[], detail: string): void {
    this.acceptSearch([], [], batch.map(({ mailbox }) => ({ mailbox, detail })));
  }

  markRecorded(): void {
    for (const copy of this.state.copies) if (copy.status === 'found') copy.status = 'recorded';
    this.touch();
  }

  settle(): IncidentStatus {
    const pulled = this.state.copies.filter((c) => c.status === 'pulled').length;
    const blocking = this.state.residualExposure.filter((r) => BLOCKING_RESIDUAL.includes(r.reason)).length;
    const failedPulls = this.state.copies.filter((c) => c.status === 'failed').length;
    if (blocking === 0) this.state.status = 'contained';
    else if (pulled === 0 && failedPulls + this.providerFailures() > 0) this.state.status = 'failed';
    else this.state.status = 'partially-contained';
    this.touch();
    return this.state.status;
  }

  private providerFailures(): number {
    return this.state.residualExposure.filter((r) => r.reason === 'provider-failure').length;
  }

  setStatus(status: IncidentStatus): void {
    this.state.status = status;
    this.touch();
  }

  validateApprove(action: AdminAction): void {
    requireActor(action);
    if (this.state.status !== 'awaiting-approval') {
      throw new Error(`incident is ${this.state.status}, not awaiting approval`);
    }
  }

  approve(action: AdminAction): void {
    this.approvedBy = action.actor;
    this.audit(`admin:${action.actor}`, 'approve', this.state.messageId, action.reason ?? 'approved');
    this.setStatus('pulling');
  }

  get approved(): boolean {
    return this.approvedBy !== undefined;
  }

  validateUndo(action: AdminAction): void {
    requireActor(action);
    if (this.state.status === 'undoing' || this.undoRequest) throw new Error('an undo is already in progress');
    if (this.state.status === 'undone') throw new Error('incident is already undone');
    this.requireKnownMailboxes(action);
    const pulled = this.copiesIn(action.mailboxes).some((c) => c.status === 'pulled');
    // An undo while the first pull runs waits for it, then restores everything.
    if (!pulled && !(this.state.status === 'pulling' && !action.mailboxes)) {
      throw new Error(`incident is ${this.state.status} and has no pulled copy${action.mailboxes ? ' in those mailboxes' : ''} to restore`);
    }
  }

  /** Queues the undo; the returned ticket is done once `undosCompleted` reaches it. */
  requestUndo(action: AdminAction): number {
    this.undoRequest = action;
    const scope = action.mailboxes ? ` of ${action.mailboxes.join(', ')}` : '';
    this.audit(`admin:${action.actor}`, 'undo', this.state.messageId, `${action.reason ?? 'undo requested'}${scope}`);
    return ++this.undosRequested;
  }

  recordsToRestore(): PullRecord[] {
    return this.copiesIn(this.undoRequest?.mailboxes)
      .filter((c) => c.status === 'pulled' && c.record)
      .map((c) => c.record!);
  }

  /**
   * The undone mailboxes stay out of sweeps and merged pulls until a re-pull. A whole undo leaves
   * the incident `undone`; undoing some mailboxes lists them as residual exposure.
   */
  finishUndo(): void {
    const selection = this.undoRequest?.mailboxes;
    for (const copy of this.copiesIn(selection)) {
      if (copy.status !== 'restored' && copy.status !== 'missing') continue;
      this.undone.set(mailboxKey(copy.mailbox), copy.mailbox);
      if (selection) this.addResidual({ address: copy.mailbox.address, reason: 'undone', detail: `put back by admin:${this.undoRequest?.actor}` });
    }
    this.undoRequest = undefined;
    this.undosCompleted++;
    if (selection) this.settle();
    else this.setStatus('undone');
  }

  validateRepull(action: AdminAction): void {
    requireActor(action);
    if (this.state.status === 'undoing' || this.undoRequest) throw new Error('an undo is in progress');
    this.requireKnownMailboxes(action);
    if (this.undoneIn(action.mailboxes).length === 0) throw new Error(`nothing was undone${action.mailboxes ? ' in those mailboxes' : ''}: there is nothing to pull again`);
  }

  /** Searches the undone mailboxes again for every message they were searched for; what is found is pulled. */
  requestRepull(action: AdminAction): void {
    const mailboxes = this.undoneIn(action.mailboxes);
    const keys = new Set(mailboxes.map((mailbox) => mailboxKey(mailbox)));
    for (const key of keys) this.undone.delete(key);
    this.removeResidual((entry) => entry.reason === 'undone' && mailboxes.some((mailbox) => mailbox.address === entry.address));
    for (const [messageId, inScope] of this.scope) {
      const again = inScope.mailboxes.filter((candidate) => keys.has(mailboxKey(candidate.mailbox)));
      if (again.length === 0) continue;
      inScope.mailboxes = inScope.mailboxes.filter((candidate) => !keys.has(mailboxKey(candidate.mailbox)));
      for (const candidate of again) this.searched.delete(`${messageId} ${mailboxKey(candidate.mailbox)}`);
      this.state.counts.mailboxesSearched -= again.length;
      this.queue.push({
        messageId,
        depth: inScope.target.depth,
        recipients: again.map((candidate) => ({ address: candidate.mailbox.address, provenance: candidate.provenance })),
      });
    }
    this.audit(`admin:${action.actor}`, 'repull', this.state.messageId, `${action.reason ?? 're-pull requested'} for ${mailboxes.map((m) => m.address).join(', ')}`);
    this.touch();
  }

  private copiesIn(addresses: string[] | undefined): CopyState[] {
    if (!addresses) return this.state.copies;
    const selected = new Set(addresses.map((address) => address.toLowerCase()));
    return this.state.copies.filter((copy) => selected.has(copy.mailbox.address.toLowerCase()));
  }

  private undoneIn(addresses: string[] | undefined): MailboxRef[] {
    const undone = [...this.undone.values()];
    if (!addresses) return undone;
    const selected = new Set(addresses.map((address) => address.toLowerCase()));
    return undone.filter((mailbox) => selected.has(mailbox.address.toLowerCase()));
  }

  private requireKnownMailboxes(action: AdminAction): void {
    const known = new Set(this.state.copies.map((copy) => copy.mailbox.address.toLowerCase()));
    const unknown = (action.mailboxes ?? []).filter((address) => !known.has(address.toLowerCase()));
    if (unknown.length > 0) throw new Error(`no copy of this incident is in ${unknown.join(', ')}`);
  }

  acceptRestores(outcomes: CopyOutcome<RestoreResult>[]): void {
    const actor = `admin:${this.undoRequest?.actor ?? 'unknown'}`;
    for (const { copyKey: key, result } of outcomes) {
      const copy = this.copyByKey.get(key);
      if (!copy) continue;
      const mutation = {
        mailbox: copy.mailbox.address,
        itemId: copy.record?.quarantinedItemId ?? result.itemId,
        from: copy.record ? QUARANTINE_DESTINATION[copy.record.action] : 'quarantine',
        result: result.outcome,
      };
      if (result.outcome === 'restored') {
        copy.status = 'restored';
        copy.detail = result.originalFolder ? undefined : `original folder gone; restored to ${result.folderPath}`;
        this.audit(actor, 'restore', `${copy.mailbox.address} ${result.folderPath}`, `restored ${copy.messageId}`, { ...mutation, to: result.folderPath });
      } else {
        copy.status = result.outcome === 'missing' ? 'missing' : 'restore-failed';
        copy.detail = result.detail;
        this.audit(actor, 'restore', `${copy.mailbox.address} ${copy.folderPath}`, `not restored (${result.outcome}): ${result.detail}`, { ...mutation, to: copy.folderPath });
      }
    }
    this.touch();
  }

  failRestores(records: PullRecord[], detail: string): void {
    this.acceptRestores(
      records.map((record) => ({ copyKey: copyKey(record.copy), result: { outcome: 'failed', itemId: record.copy.itemId, detail } })),
    );
  }

  private reason(): string {
    const { classification } = this.input.alert.threat;
    return `${classification} alert from ${this.state.sources.join(', ')}`;
  }

  private removeResidual(matches: (entry: ResidualExposure) => boolean): void {
    for (const entry of this.state.residualExposure.filter(matches)) this.residualSeen.delete(`${entry.address} ${entry.reason}`);
    this.state.residualExposure = this.state.residualExposure.filter((entry) => !matches(entry));
  }

  private addResidual(entry: ResidualExposure): void {
    const key = `${entry.address} ${entry.reason}`;
    if (this.residualSeen.has(key)) return;
    this.residualSeen.add(key);
    this.state.residualExposure.push(entry);
  }

  private audit(actor: string, action: AuditEntry['action'], target: string, detail: string, mutation: Partial<AuditEntry> = {}): void {
    this.state.audit.push({ at: new Date().toISOString(), actor, action, target, detail, ...mutation });
  }

  private touch(): void {
    const { copies, counts } = this.state;
    counts.recipients = this.state.recipients.length;
    counts.copiesFound = copies.length;
    counts.copiesPulled = copies.filter((c) => c.status === 'pulled' || c.record !== undefined).length;
    counts.copiesRestored = copies.filter((c) => c.status === 'restored').length;
    counts.forwards = this.state.forwards.length;
    counts.residual = this.state.residualExposure.length;
    this.state.updatedAt = new Date().toISOString();
  }
}

export function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function requireActor(action: AdminAction): void {
  if (!action?.actor) throw new Error('an admin action must name its actor');
}

function describeReach(provenance: Provenance, target: Target): string {
  if (provenance.via === 'forward') return `forwarded by ${provenance.through} (${target.messageId})`;
  if (provenance.via === 'list') return `member of list ${provenance.through}`;
  return 'addressed directly';
}
