import { canonicalMessageId } from '../domain/message-id.js';
import { TenantError } from './errors.js';
import {
  gmailLabelIds,
  PATH_SEPARATOR,
  pathSegments,
  ROOT_FOLDER_NAME,
  WELL_KNOWN_CHILD_FOLDERS,
  WellKnownFolderName,
} from './folders.js';
import {
  parseScenario,
  ScenarioError,
  ScenarioForward,
  ScenarioMessage,
  type ScenarioForwardInput,
  type ScenarioInput,
  type ScenarioMessageInput,
  type ScenarioUser,
} from './scenario.js';
import {
  TenantState,
  type QuarantineOrigin,
  type StoredContact,
  type StoredFolder,
  type StoredGroup,
  type StoredMailbox,
  type StoredMessage,
} from './state.js';

export type DirectoryEntry =
  | { kind: 'mailbox'; mailbox: StoredMailbox }
  | { kind: 'group'; group: StoredGroup }
  | { kind: 'contact'; contact: StoredContact };

/** A list's transitive membership: each mailbox once, whatever the nesting or cycles. */
export interface GroupMembers {
  mailboxes: StoredMailbox[];
  external: string[];
  nestedGroups: StoredGroup[];
}

export type FolderView = StoredFolder & { path: string };

/** A message as a client sees it: a copy of the stored record plus where it is. */
export type MessageView = StoredMessage & { folderPath: string; labelIds: string[] };

/** Where one copy of a message is, for tests and tools that check conservation. */
export interface Placement {
  mailbox: string;
  mailboxId: string;
  folderId: string;
  folderPath: string;
  itemId: string;
  immutableId: string;
  isRead: boolean;
  internetMessageId: string;
}

export interface MoveOptions {
  isRead?: boolean;
  /** Set when the move is into quarantine; any other move clears it. */
  quarantinedFrom?: QuarantineOrigin;
  /** Set when the move is a soft delete, to the folder the message leaves; any other move clears it. */
  softDeletedFrom?: string;
}

interface MailboxIndex {
  wellKnown: Map<WellKnownFolderName, string>;
  messages: Set<string>;
}

interface DeliveryTarget {
  mailboxId: string;
  folderId: string;
  isRead: boolean;
}

type DirectoryKey = { kind: 'mailbox' | 'group'; id: string } | { kind: 'contact' };

/**
 * The simulated tenant: directory, mailboxes, folders and messages, held in indexed maps so a
 * tenant of tens of thousands of mailboxes loads and answers quickly. Every protocol face (the
 * in-process provider, later Graph, EWS and Gmail over HTTPS) works on this one model.
 *
 * Each message is in exactly one folder: `folderId` on the record is the truth, and
 * `folderContents` mirrors it because a record's folder only changes between `unplace` and `place`.
 */
export class Tenant {
  private readonly domainSet: Set<string>;
  private readonly directory = new Map<string, DirectoryKey>();
  private readonly mailboxRecords = new Map<string, StoredMailbox>();
  private readonly mailboxIndexes = new Map<string, MailboxIndex>();
  private readonly groupRecords = new Map<string, StoredGroup>();
  private readonly contactRecords = new Map<string, StoredContact>();
  private readonly folders = new Map<string, StoredFolder>();
  /** Parent folder id → lower-cased display name → child folder id. */
  private readonly childFolders = new Map<string, Map<string, string>>();
  private readonly folderContents = new Map<string, Set<string>>();
  private readonly messages = new Map<string, StoredMessage>();
  private readonly immutableIdByItemId = new Map<string, string>();
  /** Canonical Message-ID → mailbox id → immutable ids of that mailbox's copies. */
  private readonly copiesByMessageId = new Map<string, Map<string, Set<string>>>();

  private constructor(
    readonly tenantId: string,
    domains: string[],
    private nextId: number,
  ) {
    this.domainSet = new Set(domains.map((d) => d.toLowerCase()));
  }

  /**
   * Seeds a tenant: directory first, then deliveries, forwards and moves in the scenario's order.
   * A placement that cannot be made is a ScenarioError naming the scenario path.
   */
  static fromScenario(input: ScenarioInput): Tenant {
    const scenario = parseScenario(input);
    const tenant = new Tenant(scenario.tenantId, scenario.domains, 1);
    scenario.users.forEach((user, i) =>
      seedStep(`users.${i}`, () => {
        const mailbox = tenant.addMailbox(user);
        for (const path of user.folders) tenant.ensureFolderPath(mailbox.id, path);
      }),
    );
    for (const group of scenario.groups) tenant.addGroup({ ...group, id: tenant.newId('grp') });
    for (const contact of scenario.contacts) tenant.addContact(contact);
    scenario.messages.forEach((message, i) => seedStep(`messages.${i}`, () => tenant.deliver(message)));
    scenario.forwards.forEach((forward, i) => seedStep(`forwards.${i}`, () => tenant.forward(forward)));
    scenario.moves.forEach((move, i) =>
      seedStep(`moves.${i}`, () => {
        const mailbox = tenant.requireMailboxByAddress(move.mailbox);
        const copy = tenant.findMessages(mailbox.id, move.messageId)[0];
        if (!copy) throw new TenantError('ItemNotFound', `${mailbox.address} holds no copy of ${move.messageId}`, { mailboxId: mailbox.id });
        if (move.folder !== undefined) {
          tenant.move(mailbox.id, copy.immutableId, move.folder, move.isRead === undefined ? {} : { isRead: move.isRead });
        } else if (move.isRead !== undefined) {
          tenant.setRead(mailbox.id, copy.immutableId, move.isRead);
        }
      }),
    );
    return tenant;
  }

  /** Rebuilds a tenant from `toJSON()` output, validating it first. */
  static fromJSON(json: unknown): Tenant {
    const state = TenantState.parse(json);
    const tenant = new Tenant(state.tenantId, state.domains, state.nextId);
    for (const mailbox of state.mailboxes) tenant.indexMailbox(mailbox);
    for (const folder of state.folders) tenant.indexFolder(folder);
    for (const group of state.groups) tenant.addGroup(group);
    for (const contact of state.contacts) tenant.addContact(contact);
    for (const message of state.messages) tenant.indexMessage(message);
    return tenant;
  }

  /** The tenant's records for JSON.stringify; they are the model's own, so serialise, never mutate. */
  toJSON(): TenantState {
    return {
      tenantId: this.tenantId,
      domains: [...this.domainSet],
      mailboxes: [...this.mailboxRecords.values()],
      groups: [...this.groupRecords.values()],
      contacts: [...this.contactRecords.values()],
      folders: [...this.folders.values()],
      messages: [...this.messages.values()],
      nextId: this.nextId,
    };
  }

  // Directory

  get domains(): string[] {
    return [...this.domainSet];
  }

  ownsDomain(domain: string): boolean {
    return this.domainSet.has(domain.toLowerCase());
  }

  /** A primary address or alias, case-insensitive. */
  resolveAddress(address: string): DirectoryEntry | undefined {
    const key = normaliseAddress(address);
    const entry = this.directory.get(key);
    if (!entry) return undefined;
    if (entry.kind === 'contact') return { kind: 'contact', contact: this.contactRecords.get(key)! };
    if (entry.kind === 'mailbox') return { kind: 'mailbox', mailbox: this.mailboxRecords.get(entry.id)! };
    return { kind: 'group', group: this.groupRecords.get(entry.id)! };
  }

  mailbox(mailboxId: string): StoredMailbox | undefined {
    return this.mailboxRecords.get(mailboxId);
  }

  mailboxes(): StoredMailbox[] {
    return [...this.mailboxRecords.values()];
  }

  group(groupId: string): StoredGroup | undefined {
    return this.groupRecords.get(groupId);
  }

  /**
   * Breadth-first over nested lists with a visited set, so a list that contains itself (directly
   * or through others) is expanded once and the walk ends.
   */
  expandGroup(groupId: string): GroupMembers {
    const root = this.groupRecords.get(groupId);
    if (!root) throw new TenantError('GroupNotFound', `no list has the id ${groupId}`);
    const visited = new Set([root.id]);
    const queue = [root];
    const mailboxes = new Map<string, StoredMailbox>();
    const external = new Set<string>();
    const nestedGroups: StoredGroup[] = [];
    for (let next = 0; next < queue.length; next++) {
      for (const member of queue[next]!.members) {
        const entry = this.resolveAddress(member);
        if (entry?.kind === 'mailbox') {
          mailboxes.set(entry.mailbox.id, entry.mailbox);
        } else if (entry?.kind === 'group') {
          if (visited.has(entry.group.id)) continue;
          visited.add(entry.group.id);
          nestedGroups.push(entry.group);
          queue.push(entry.group);
        } else {
          external.add(normaliseAddress(member));
        }
      }
    }
    return { mailboxes: [...mailboxes.values()], external: [...external], nestedGroups };
  }

  // Folders

  /** Every folder under the root, parents before children; hidden ones only when asked. */
  listFolders(mailboxId: string, options: { includeHidden?: boolean } = {}): FolderView[] {
    const mailbox = this.requireMailbox(mailboxId);
    const views: FolderView[] = [];
    const walk = (parentId: string) => {
      for (const childId of this.childFolders.get(parentId)?.values() ?? []) {
        const folder = this.folders.get(childId)!;
        if (folder.isHidden && !options.includeHidden) continue;
        views.push(this.folderView(folder));
        walk(childId);
      }
    };
    walk(mailbox.rootFolderId);
    return views;
  }

  /** A folder by id, well-known name ("junkemail") or path ("Inbox/Invoices"), case-insensitive. */
  findFolder(mailboxId: string, ref: string): FolderView | undefined {
    const mailbox = this.requireMailbox(mailboxId);
    const byId = this.folders.get(ref);
    if (byId) return byId.mailboxId === mailboxId ? this.folderView(byId) : undefined;
    const wellKnown = WellKnownFolderName.safeParse(ref.toLowerCase());
    if (wellKnown.success) {
      const id = this.mailboxIndexes.get(mailboxId)!.wellKnown.get(wellKnown.data);
      return id ? this.folderView(this.folders.get(id)!) : undefined;
    }
    let folderId = mailbox.rootFolderId;
    for (const segment of pathSegments(ref)) {
      const childId = this.childFolders.get(folderId)?.get(segment.toLowerCase());
      if (!childId) return undefined;
      folderId = childId;
    }
    return this.folderView(this.folders.get(folderId)!);
  }

  /** Like `findFolder`, for a folder that must exist. */
  requireFolder(mailboxId: string, ref: string): FolderView {
    const folder = this.findFolder(mailboxId, ref);
    if (!folder) {
      const address = this.mailboxRecords.get(mailboxId)!.address;
      throw new TenantError('FolderNotFound', `${address} has no folder "${ref}"`, { mailboxId, folderId: ref });
    }
    return folder;
  }

  /** A new folder under `parentFolderId` (default: the root); a name taken under that parent is refused. */
  createFolder(mailboxId: string, displayName: string, options: { parentFolderId?: string; isHidden?: boolean } = {}): FolderView {
    const mailbox = this.requireMailbox(mailboxId);
    const parentId = options.parentFolderId === undefined ? mailbox.rootFolderId : this.requireFolder(mailboxId, options.parentFolderId).id;
    const name = displayName.trim();
    if (name.length === 0 || name.includes(PATH_SEPARATOR)) {
      throw new TenantError('InvalidFolderName', `a folder name is not empty and has no "${PATH_SEPARATOR}": "${displayName}"`, { mailboxId });
    }
    if (this.childFolders.get(parentId)?.has(name.toLowerCase())) {
      const parentPath = this.pathOf(this.folders.get(parentId)!) || ROOT_FOLDER_NAME;
      throw new TenantError('FolderExists', `${mailbox.address} already has a folder "${name}" in "${parentPath}"`, { mailboxId, folderId: parentId });
    }
    const folder: StoredFolder = { id: this.newId('fld'), mailboxId, parentId, displayName: name, isHidden: options.isHidden ?? false };
    this.indexFolder(folder);
    return this.folderView(folder);
  }

  /**
   * Removes a user folder and its subfolders. Their messages go to Deleted Items, as Exchange
   * does, so no message is ever left without a folder.
   */
  deleteFolder(mailboxId: string, folderRef: string): void {
    const folder = this.folders.get(this.requireFolder(mailboxId, folderRef).id)!;
    if (folder.wellKnownName) {
      throw new TenantError('WellKnownFolderProtected', `${folder.displayName} is a well-known folder and cannot be deleted`, { mailboxId, folderId: folder.id });
    }
    const deletedItems = this.requireFolder(mailboxId, 'deleteditems');
    const subtree = [folder.id];
    for (let next = 0; next < subtree.length; next++) subtree.push(...(this.childFolders.get(subtree[next]!)?.values() ?? []));
    for (const folderId of subtree) {
      for (const immutableId of [...this.folderContents.get(folderId)!]) this.move(mailboxId, immutableId, deletedItems.id);
    }
    for (const folderId of subtree.reverse()) {
      const removed = this.folders.get(folderId)!;
      this.childFolders.get(removed.parentId!)?.delete(removed.displayName.toLowerCase());
      this.childFolders.delete(folderId);
      this.folderContents.delete(folderId);
      this.folders.delete(folderId);
    }
  }

  // Messages

  messagesIn(mailboxId: string, folderRef: string): MessageView[] {
    const folder = this.requireFolder(mailboxId, folderRef);
    return [...this.folderContents.get(folder.id)!].map((id) => this.messageView(this.messages.get(id)!));
  }

  /** Every message of the mailbox, whatever its folder. */
  messagesOf(mailboxId: string): MessageView[] {
    this.requireMailbox(mailboxId);
    return [...this.mailboxIndexes.get(mailboxId)!.messages].map((id) => this.messageView(this.messages.get(id)!));
  }

  /** The mailbox's copies of a Message-ID, in every folder, oldest delivery first. */
  findMessages(mailboxId: string, messageId: string): MessageView[] {
    this.requireMailbox(mailboxId);
    const ids = this.copiesByMessageId.get(canonicalMessageId(messageId))?.get(mailboxId) ?? [];
    return [...ids].map((id) => this.messageView(this.messages.get(id)!));
  }

  /** A message by its current item id or its immutable id. */
  message(mailboxId: string, id: string): MessageView | undefined {
    const stored = this.storedMessage(mailboxId, id);
    return stored && this.messageView(stored);
  }

  /** Moves a message; it gets a new item id, its immutable id stays. */
  move(mailboxId: string, id: string, destinationRef: string, options: MoveOptions = {}): MessageView {
    const message = this.requireMessage(mailboxId, id);
    const destination = this.requireFolder(mailboxId, destinationRef);
    this.unplace(message);
    message.folderId = destination.id;
    message.itemId = this.newId('itm');
    if (options.isRead !== undefined) message.isRead = options.isRead;
    if (options.quarantinedFrom) message.quarantinedFrom = options.quarantinedFrom;
    else delete message.quarantinedFrom;
    if (options.softDeletedFrom) message.softDeletedFrom = options.softDeletedFrom;
    else delete message.softDeletedFrom;
    this.place(message);
    return this.messageView(message);
  }

  setRead(mailboxId: string, id: string, isRead: boolean): MessageView {
    const message = this.requireMessage(mailboxId, id);
    message.isRead = isRead;
    return this.messageView(message);
  }

  /**
   * Delivers a message now (a late delivery, or seeding): to the inbox of every mailbox its
   * to/cc addresses reach, lists expanded and each mailbox once, or to its explicit deliveries.
   * External addresses are skipped; an unknown address in one of the tenant's domains is refused.
   */
  deliver(input: ScenarioMessageInput, options: { receivedAt?: string } = {}): MessageView[] {
    const message = ScenarioMessage.parse(input);
    const targets = message.deliveries
      ? message.deliveries.map((delivery) => {
          const mailboxId = this.requireMailboxByAddress(delivery.mailbox).id;
          return { mailboxId, folderId: this.requireFolder(mailboxId, delivery.folder).id, isRead: delivery.isRead };
        })
      : this.inboxesOf([...message.to, ...message.cc]);
    return this.storeCopies(message, targets, options.receivedAt ?? message.date);
  }

  /**
   * Forwards a message the forwarder holds: the forward ("FW: …", naming the original in
   * References and In-Reply-To) goes to the forwarder's Sent Items, read, and to the inboxes of
   * its internal recipients. The forwarder's original records the forward as its last verb.
   */
  forward(input: ScenarioForwardInput): MessageView[] {
    const forward = ScenarioForward.parse(input);
    const forwarder = this.requireMailboxByAddress(forward.by);
    const original = this.findMessages(forwarder.id, forward.of)[0];
    if (!original) throw new TenantError('ItemNotFound', `${forwarder.address} holds no copy of ${forward.of} to forward`, { mailboxId: forwarder.id });
    const message = ScenarioMessage.parse({
      messageId: forward.messageId,
      from: forwarder.address,
      to: forward.to,
      cc: forward.cc,
      subject: `FW: ${original.subject}`,
      date: forward.date,
      body: forward.body ?? `---------- Forwarded message ----------\n${original.body}`,
      references: [...original.references, original.internetMessageId],
      inReplyTo: original.internetMessageId,
    });
    const sentItems = { mailboxId: forwarder.id, folderId: this.requireFolder(forwarder.id, 'sentitems').id, isRead: true };
    const copies = this.storeCopies(message, [sentItems, ...this.inboxesOf([...message.to, ...message.cc])], message.date);
    this.messages.get(original.immutableId)!.lastVerb = { verb: 'forward', at: message.date };
    return copies;
  }

  /**
   * Puts one message straight into a folder, as a client creating a message from MIME does
   * (Graph, EWS CreateItem, Gmail messages.insert). `mime` keeps the raw bytes it came as.
   */
  importMessage(
    mailboxId: string,
    folderRef: string,
    input: ScenarioMessageInput,
    options: { isRead?: boolean; receivedAt?: string; mime?: Buffer; isDraft?: boolean } = {},
  ): MessageView {
    const message = ScenarioMessage.parse(input);
    const target = { mailboxId, folderId: this.requireFolder(mailboxId, folderRef).id, isRead: options.isRead ?? false };
    return this.storeCopies(message, [target], options.receivedAt ?? new Date().toISOString(), options)[0]!;
  }

  /** The fields of a stored message, to store a copy of it elsewhere. */
  static contentOf(message: StoredMessage): ScenarioMessageInput {
    return {
      messageId: message.internetMessageId,
      from: message.from,
      to: message.to,
      cc: message.cc,
      subject: message.subject,
      date: message.date,
      body: message.body,
      attachments: message.attachments ?? [],
      references: message.references,
      ...(message.inReplyTo === undefined ? {} : { inReplyTo: message.inReplyTo }),
    };
  }

  /** Removes a message for good, as a user emptying Recoverable Items or a retention policy would. */
  hardDelete(mailboxId: string, id: string): boolean {
    const message = this.storedMessage(mailboxId, id);
    if (!message) return false;
    this.unplace(message);
    this.messages.delete(message.immutableId);
    const byMailbox = this.copiesByMessageId.get(canonicalMessageId(message.internetMessageId))!;
    byMailbox.get(mailboxId)!.delete(message.immutableId);
    if (byMailbox.get(mailboxId)!.size === 0) byMailbox.delete(mailboxId);
    return true;
  }

  /** Every copy of a Message-ID in the tenant, wherever it is, hidden folders included. */
  locate(messageId: string): Placement[] {
    const byMailbox = this.copiesByMessageId.get(canonicalMessageId(messageId));
    if (!byMailbox) return [];
    return [...byMailbox].flatMap(([mailboxId, ids]) =>
      [...ids].map((id) => {
        const message = this.messages.get(id)!;
        return {
          mailbox: this.mailboxRecords.get(mailboxId)!.address,
          mailboxId,
          folderId: message.folderId,
          folderPath: this.pathOf(this.folders.get(message.folderId)!),
          itemId: message.itemId,
          immutableId: message.immutableId,
          isRead: message.isRead,
          internetMessageId: message.internetMessageId,
        };
      }),
    );
  }

  // Internals: ids, indexes, look-ups

  private newId(prefix: 'mbx' | 'grp' | 'fld' | 'itm' | 'imm'): string {
    return `${prefix}-${this.nextId++}`;
  }

  private addMailbox({ address, displayName, aliases, kind }: ScenarioUser): StoredMailbox {
    const mailbox: StoredMailbox = {
      id: this.newId('mbx'),
      address,
      ...(displayName === undefined ? {} : { displayName }),
      aliases,
      kind,
      rootFolderId: this.newId('fld'),
    };
    this.indexMailbox(mailbox);
    this.indexFolder({ id: mailbox.rootFolderId, mailboxId: mailbox.id, parentId: null, displayName: ROOT_FOLDER_NAME, wellKnownName: 'msgfolderroot', isHidden: true });
    for (const wellKnown of WELL_KNOWN_CHILD_FOLDERS) {
      this.indexFolder({ id: this.newId('fld'), mailboxId: mailbox.id, parentId: mailbox.rootFolderId, ...wellKnown });
    }
    return mailbox;
  }

  private indexMailbox(mailbox: StoredMailbox): void {
    this.mailboxRecords.set(mailbox.id, mailbox);
    this.mailboxIndexes.set(mailbox.id, { wellKnown: new Map(), messages: new Set() });
    for (const address of [mailbox.address, ...mailbox.aliases]) this.directory.set(normaliseAddress(address), { kind: 'mailbox', id: mailbox.id });
  }

  private addGroup(group: StoredGroup): void {
    this.groupRecords.set(group.id, group);
    this.directory.set(normaliseAddress(group.address), { kind: 'group', id: group.id });
  }

  private addContact(contact: StoredContact): void {
    const address = normaliseAddress(contact.address);
    this.contactRecords.set(address, contact);
    this.directory.set(address, { kind: 'contact' });
  }

  private indexFolder(folder: StoredFolder): void {
    this.folders.set(folder.id, folder);
    this.folderContents.set(folder.id, new Set());
    if (folder.parentId !== null) {
      const siblings = this.childFolders.get(folder.parentId) ?? new Map<string, string>();
      siblings.set(folder.displayName.toLowerCase(), folder.id);
      this.childFolders.set(folder.parentId, siblings);
    }
    if (folder.wellKnownName) this.mailboxIndexes.get(folder.mailboxId)!.wellKnown.set(folder.wellKnownName, folder.id);
  }

  private indexMessage(message: StoredMessage): void {
    if (!this.folders.has(message.folderId)) {
      throw new TenantError('FolderNotFound', `message ${message.immutableId} is in folder ${message.folderId}, which does not exist`, { mailboxId: message.mailboxId, folderId: message.folderId });
    }
    this.messages.set(message.immutableId, message);
    const key = canonicalMessageId(message.internetMessageId);
    const byMailbox = this.copiesByMessageId.get(key) ?? new Map<string, Set<string>>();
    byMailbox.set(message.mailboxId, (byMailbox.get(message.mailboxId) ?? new Set()).add(message.immutableId));
    this.copiesByMessageId.set(key, byMailbox);
    this.place(message);
  }

  /** Adds the message to its folder's contents and the item-id index. */
  private place(message: StoredMessage): void {
    this.folderContents.get(message.folderId)!.add(message.immutableId);
    this.mailboxIndexes.get(message.mailboxId)!.messages.add(message.immutableId);
    this.immutableIdByItemId.set(message.itemId, message.immutableId);
  }

  private unplace(message: StoredMessage): void {
    this.folderContents.get(message.folderId)!.delete(message.immutableId);
    this.mailboxIndexes.get(message.mailboxId)!.messages.delete(message.immutableId);
    this.immutableIdByItemId.delete(message.itemId);
  }

  private storeCopies(message: ScenarioMessage, targets: DeliveryTarget[], receivedAt: string, options: { mime?: Buffer; isDraft?: boolean } = {}): MessageView[] {
    return targets.map((target) => {
      const stored: StoredMessage = {
        immutableId: this.newId('imm'),
        itemId: this.newId('itm'),
        mailboxId: target.mailboxId,
        folderId: target.folderId,
        isRead: target.isRead,
        receivedAt,
        internetMessageId: message.messageId,
        from: message.from,
        to: message.to,
        cc: message.cc,
        subject: message.subject,
        date: message.date,
        references: message.references,
        ...(message.inReplyTo === undefined ? {} : { inReplyTo: message.inReplyTo }),
        body: message.body,
        ...(message.attachments.length ? { attachments: message.attachments } : {}),
        ...(options.mime ? { mime: options.mime.toString('base64') } : {}),
        ...(options.isDraft ? { isDraft: true } : {}),
      };
      this.indexMessage(stored);
      return this.messageView(stored);
    });
  }

  /** The inboxes the addresses reach, lists expanded, each mailbox once; external addresses skipped. */
  private inboxesOf(addresses: string[]): DeliveryTarget[] {
    const mailboxIds = new Set<string>();
    for (const address of addresses) {
      const entry = this.resolveAddress(address);
      if (entry?.kind === 'mailbox') mailboxIds.add(entry.mailbox.id);
      else if (entry?.kind === 'group') for (const mailbox of this.expandGroup(entry.group.id).mailboxes) mailboxIds.add(mailbox.id);
      else if (!entry && this.ownsDomain(domainOf(address))) {
        throw new TenantError('AddressNotFound', `no user, alias or list has the address ${address}`, { address });
      }
    }
    return [...mailboxIds].map((mailboxId) => ({ mailboxId, folderId: this.requireFolder(mailboxId, 'inbox').id, isRead: false }));
  }

  /** Creates the folders of a path that do not exist yet, like `mkdir -p`. */
  ensureFolderPath(mailboxId: string, path: string): FolderView {
    let parentFolderId = this.requireMailbox(mailboxId).rootFolderId;
    for (const segment of pathSegments(path)) {
      const existing = this.childFolders.get(parentFolderId)?.get(segment.toLowerCase());
      parentFolderId = existing ?? this.createFolder(mailboxId, segment, { parentFolderId }).id;
    }
    return this.folderView(this.folders.get(parentFolderId)!);
  }

  private storedMessage(mailboxId: string, id: string): StoredMessage | undefined {
    const message = this.messages.get(this.immutableIdByItemId.get(id) ?? id);
    return message?.mailboxId === mailboxId ? message : undefined;
  }

  private requireMailbox(mailboxId: string): StoredMailbox {
    const mailbox = this.mailboxRecords.get(mailboxId);
    if (!mailbox) throw new TenantError('MailboxNotFound', `no mailbox has the id ${mailboxId}`, { mailboxId });
    return mailbox;
  }

  private requireMailboxByAddress(address: string): StoredMailbox {
    const entry = this.resolveAddress(address);
    if (entry?.kind !== 'mailbox') throw new TenantError('AddressNotFound', `no mailbox has the address ${address}`, { address });
    return entry.mailbox;
  }

  private requireMessage(mailboxId: string, id: string): StoredMessage {
    this.requireMailbox(mailboxId);
    const message = this.storedMessage(mailboxId, id);
    if (!message) throw new TenantError('ItemNotFound', `no message has the id ${id} in mailbox ${mailboxId}`, { mailboxId, itemId: id });
    return message;
  }

  private pathOf(folder: StoredFolder): string {
    const names: string[] = [];
    for (let current: StoredFolder | undefined = folder; current?.parentId != null; current = this.folders.get(current.parentId)) {
      names.unshift(current.displayName);
    }
    return names.join(PATH_SEPARATOR);
  }

  private folderView(folder: StoredFolder): FolderView {
    return { ...folder, path: this.pathOf(folder) };
  }

  private messageView(message: StoredMessage): MessageView {
    const folder = this.folders.get(message.folderId)!;
    return {
      ...message,
      to: [...message.to],
      cc: [...message.cc],
      references: [...message.references],
      folderPath: this.pathOf(folder),
      labelIds: gmailLabelIds(folder, message.isRead),
    };
  }
}

function normaliseAddress(address: string): string {
  return address.trim().toLowerCase();
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** Runs one seeding step, reporting a refused placement at the scenario path that asked for it. */
function seedStep(path: string, step: () => void): void {
  try {
    step();
  } catch (error) {
    if (error instanceof TenantError) throw new ScenarioError('the scenario cannot be seeded', undefined, [{ path, message: error.message }]);
    throw error;
  }
}
