import { BasePropertySet, EmailMessage, EmailMessageSchema, FolderId, ItemId, ItemSchema, MimeContent, PropertySet, ServiceResult, type ExchangeService } from 'ews-javascript-api';
import type { CreatedFolder, PullRecord } from '../../domain/mail.js';
import { canonicalMessageId } from '../../domain/message-id.js';
import { EVIDENCE_FOLDER_NAME } from '../../domain/quarantine.js';
import { ProviderError } from '../errors.js';
import type { EwsConnection } from './connection.js';
import { responseError } from './errors.js';
import { findItems } from './find-items.js';
import type { QuarantineFolders } from './quarantine-folders.js';

export type Evidence = NonNullable<PullRecord['evidence']>;

/** A pulled copy whose raw message should be kept: its Message-ID and where it now is. */
export interface PulledMessage {
  messageId: string;
  quarantinedItemId: string;
}

/**
 * `quarantine-mailbox`: one raw copy of each pulled message in the security team's mailbox, under
 * `Clawback Incidents/<incident>`, made once however many mailboxes held it and however often a
 * pull is retried. The raw message is read (GetItem MimeContent) from the quarantined copy and
 * imported (CreateItem SaveOnly) there.
 */
export class EvidenceStore {
  /** Pulls of one incident from several mailboxes at once take turns, so no message is kept twice. */
  private readonly turns = new Map<string, Promise<unknown>>();

  constructor(
    private readonly connection: EwsConnection,
    private readonly folders: QuarantineFolders,
    private readonly quarantineMailbox: string | undefined,
  ) {}

  /** `created` hears of the incident's folders when this call is the one that made them. */
  async keep(mailbox: string, pulled: PulledMessage[], incidentId: string, created: CreatedFolder[]): Promise<Map<string, Evidence>> {
    const previous = this.turns.get(incidentId) ?? Promise.resolve();
    const mine = previous.catch(() => undefined).then(() => this.keepNow(mailbox, pulled, incidentId, created));
    this.turns.set(incidentId, mine);
    try {
      return await mine;
    } finally {
      if (this.turns.get(incidentId) === mine) this.turns.delete(incidentId);
    }
  }

  private async keepNow(mailbox: string, pulled: PulledMessage[], incidentId: string, created: CreatedFolder[]): Promise<Map<string, Evidence>> {
    const evidenceMailbox = this.quarantineMailbox;
    if (!evidenceMailbox) {
      throw new ProviderError('ProviderRejected', 'quarantine-mailbox needs the address of a quarantine mailbox (quarantine.mailbox)', {
        tenantId: this.connection.tenantId,
        operation: 'quarantine',
      });
    }
    const { folderId, held } = await this.connection.call('keepEvidence', evidenceMailbox, async (service) => {
      const id = await this.folders.ensurePath(service, evidenceMailbox, [EVIDENCE_FOLDER_NAME, incidentId], false, created);
      const found = await findItems(service, [new FolderId(id)], null, [EmailMessageSchema.InternetMessageId], this.connection.context('keepEvidence', evidenceMailbox));
      return { folderId: id, held: new Map(found.map(({ item }) => [canonicalMessageId((item as EmailMessage).InternetMessageId), item.Id.UniqueId])) };
    });
    const wanted = new Map<string, PulledMessage>();
    for (const message of pulled) {
      const key = canonicalMessageId(message.messageId);
      if (!held.has(key) && !wanted.has(key)) wanted.set(key, message);
    }
    if (wanted.size > 0) {
      const raw = await this.connection.call('readMime', mailbox, (service) => readMime(service, [...wanted.values()], this.connection.context('readMime', mailbox)));
      const created = await this.connection.call('keepEvidence', evidenceMailbox, (service) => importAll(service, raw, folderId));
      for (const [key, itemId] of created) held.set(key, itemId);
    }
    const evidence = new Map<string, Evidence>();
    for (const [key, itemId] of held) evidence.set(key, { mailbox: evidenceMailbox, folderId, itemId });
    return evidence;
  }
}

/** Raw MIME (base64, as EWS carries it) by canonical Message-ID. */
async function readMime(service: ExchangeService, messages: PulledMessage[], at: ReturnType<EwsConnection['context']>): Promise<Map<string, string>> {
  const responses = await service.BindToItems(messages.map((m) => new ItemId(m.quarantinedItemId)), new PropertySet(BasePropertySet.IdOnly, [ItemSchema.MimeContent]));
  const raw = new Map<string, string>();
  responses.Responses.forEach((response, i) => {
    if (response.Result === ServiceResult.Error) throw responseError(response, at);
    raw.set(canonicalMessageId(messages[i]!.messageId), response.Item.MimeContent.Content);
  });
  return raw;
}

async function importAll(service: ExchangeService, raw: Map<string, string>, folderId: string): Promise<Map<string, string>> {
  const created = new Map<string, string>();
  for (const [key, content] of raw) {
    const message = new EmailMessage(service);
    message.MimeContent = new MimeContent('UTF-8', content);
    await message.Save(new FolderId(folderId));
    created.set(key, message.Id.UniqueId);
  }
  return created;
}
