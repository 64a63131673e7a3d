import type { CreatedFolder, MessageCopy } from '../../domain/mail.js';
import { canonicalMessageId } from '../../domain/message-id.js';
import { EVIDENCE_FOLDER_NAME, type QuarantineSettings } from '../../domain/quarantine.js';
import { ProviderError } from '../errors.js';
import type { GoogleApi } from './api.js';
import { MailboxLabels, SHOWN } from './labels.js';
import { searchMessageIds } from './messages.js';
import type { Evidence } from './pull.js';

/**
 * quarantine-mailbox: one raw copy of each pulled message in the security team's quarantine
 * mailbox, under the label `Clawback Incidents/<incidentId>`, made once per incident however
 * many mailboxes held it and however often a pull is retried. Unread, so the team sees what is new.
 */
export class EvidenceKeeper {
  private readonly kept = new Map<string, Promise<Evidence>>();

  constructor(
    private readonly api: GoogleApi,
    private readonly settings: QuarantineSettings,
  ) {}

  /** `created` hears of the incident's label when this call is the one that made it. */
  keep(copy: MessageCopy, incidentId: string, created: CreatedFolder[]): Promise<Evidence> {
    const key = `${incidentId} ${canonicalMessageId(copy.internetMessageId)}`;
    let evidence = this.kept.get(key);
    if (!evidence) {
      evidence = this.store(copy, incidentId, created);
      this.kept.set(key, evidence);
      evidence.catch(() => this.kept.delete(key));
    }
    return evidence;
  }

  private async store(copy: MessageCopy, incidentId: string, created: CreatedFolder[]): Promise<Evidence> {
    const mailbox = this.settings.mailbox;
    if (!mailbox) throw this.refusal(`quarantine-mailbox needs a quarantine mailbox in tenant ${this.api.tenantId}; none is configured`);
    const labelId = await (await MailboxLabels.load(this.api, mailbox)).ensure(`${EVIDENCE_FOLDER_NAME}/${incidentId}`, SHOWN, created);
    const [existing] = await searchMessageIds(this.api, mailbox, `rfc822msgid:${copy.internetMessageId}`, [labelId]);
    if (existing) return { mailbox, folderId: labelId, itemId: existing };
    const user = copy.mailbox.address;
    const original = await this.api.gmailOrAbsent(user, 'messages.get', (gmail) => gmail.users.messages.get({ userId: 'me', id: copy.itemId, format: 'raw' }));
    if (!original?.raw) {
      throw new ProviderError('ProviderUnavailable', `${user} deleted the message while its evidence copy was being taken`, {
        tenantId: this.api.tenantId,
        mailbox: user,
        operation: 'gmail.messages.get',
      });
    }
    const inserted = await this.api.gmail(mailbox, 'messages.insert', (gmail) =>
      gmail.users.messages.insert({ userId: 'me', internalDateSource: 'dateHeader', requestBody: { raw: original.raw, labelIds: [labelId, 'UNREAD'] } }),
    );
    return { mailbox, folderId: labelId, itemId: inserted.id ?? '' };
  }

  private refusal(message: string): ProviderError {
    return new ProviderError('ProviderRejected', message, { tenantId: this.api.tenantId, operation: 'quarantine' });
  }
}
