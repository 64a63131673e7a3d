import { ResponseType } from '@microsoft/microsoft-graph-client';
import { canonicalMessageId } from '../../domain/message-id.js';
import type { CreatedFolder, MailboxRef, PullRecord } from '../../domain/mail.js';
import { EVIDENCE_FOLDER_NAME } from '../../domain/quarantine.js';
import { recordCreation } from '../created-folders.js';
import { ProviderError } from '../errors.js';
import type { GraphDirectory } from './directory.js';
import { odataString, segment } from './odata.js';
import { ensureFolder } from './quarantine-folder.js';
import type { GraphSession } from './session.js';

export type Evidence = NonNullable<PullRecord['evidence']>;

/**
 * `quarantine-mailbox`: one raw copy of each pulled message per incident in the security
 * team's mailbox, under `Clawback Incidents/<incidentId>`. Made once however many mailboxes
 * held the message: the folder is checked for the Message-ID before a copy is made, so a
 * retry or another worker finds the copy already there.
 */
export class EvidenceStore {
  private mailbox: Promise<MailboxRef> | undefined;
  private readonly folders = new Map<string, Promise<string>>();

  constructor(
    private readonly session: GraphSession,
    private readonly directory: GraphDirectory,
    private readonly address: string | undefined,
  ) {}

  /**
   * Assumes the source item exists: the caller passes the id it just moved into quarantine.
   * `created` hears of the incident's folders when this call is the one that made them.
   */
  async keep(source: MailboxRef, itemId: string, internetMessageId: string, incidentId: string, created: CreatedFolder[]): Promise<Evidence> {
    const mailbox = await this.quarantineMailbox();
    const folderId = await this.incidentFolder(mailbox, incidentId, created);
    const call = { operation: 'keepEvidence', permission: 'Mail.ReadWrite' as const, mailbox };
    const held = await this.session.all<{ id: string }>(call, (client) =>
      client.api(`/users/${segment(mailbox.mailboxId)}/mailFolders/${segment(folderId)}/messages`).filter(`internetMessageId eq ${odataString(canonicalMessageId(internetMessageId))}`).select('id'),
    );
    if (held[0]) return { mailbox: mailbox.address, folderId, itemId: held[0].id };
    const mime = await this.session.call({ ...call, mailbox: source }, (client) =>
      client.api(`/users/${segment(source.mailboxId)}/messages/${segment(itemId)}/$value`).responseType(ResponseType.ARRAYBUFFER).get(),
    ) as ArrayBuffer;
    const imported = await this.session.call(call, (client) =>
      client
        .api(`/users/${segment(mailbox.mailboxId)}/mailFolders/${segment(folderId)}/messages`)
        .header('Content-Type', 'text/plain')
        .post(Buffer.from(mime).toString('base64')),
    ) as { id: string };
    return { mailbox: mailbox.address, folderId, itemId: imported.id };
  }

  private quarantineMailbox(): Promise<MailboxRef> {
    this.mailbox ??= this.resolveMailbox().catch((error: unknown) => {
      this.mailbox = undefined;
      throw error;
    });
    return this.mailbox;
  }

  private async resolveMailbox(): Promise<MailboxRef> {
    const [resolution] = this.address ? await this.directory.resolve([this.address]) : [];
    if (resolution?.kind !== 'mailbox') {
      throw new ProviderError('ProviderRejected', `quarantine-mailbox needs a quarantine mailbox in tenant ${this.session.tenantId}; ${this.address ?? 'none'} is not one`, {
        tenantId: this.session.tenantId,
        operation: 'quarantine',
      });
    }
    return resolution.mailbox;
  }

  private incidentFolder(mailbox: MailboxRef, incidentId: string, created: CreatedFolder[]): Promise<string> {
    let folder = this.folders.get(incidentId);
    if (!folder) {
      const path = `${EVIDENCE_FOLDER_NAME}/${incidentId}`;
      folder = ensureFolder(this.session, mailbox, undefined, EVIDENCE_FOLDER_NAME, { onCreated: recordCreation(created, mailbox.address, EVIDENCE_FOLDER_NAME, false) }).then((parent) =>
        ensureFolder(this.session, mailbox, parent, incidentId, { onCreated: recordCreation(created, mailbox.address, path, false) }),
      );
      folder.catch(() => this.folders.delete(incidentId));
      this.folders.set(incidentId, folder);
    }
    return folder;
  }
}
