import type * as mail from '../../domain/mail.js';
import { mailboxKey } from '../../domain/mail.js';
import { EVIDENCE_FOLDER_NAME, QuarantineSettings, type QuarantineSettingsInput } from '../../domain/quarantine.js';
import { ProviderError } from '../errors.js';
import type { MailProvider, ReportFolders } from '../port.js';
import { GraphDirectory } from './directory.js';
import { EvidenceStore } from './evidence.js';
import { findForwards } from './forwards.js';
import { Quarantine } from './pull.js';
import { GraphReportFolders } from './report-folders.js';
import { restore } from './restore.js';
import { findCopies } from './search.js';
import type { GraphSession } from './session.js';

export interface GraphProviderOptions {
  session: GraphSession;
  /** The tenant's own domains: other addresses are external and never looked up. */
  domains: string[];
  quarantine?: QuarantineSettingsInput;
}

/** Office 365 through Microsoft Graph, with application permissions over every mailbox of the tenant. */
export class GraphProvider implements MailProvider, ReportFolders {
  readonly tenantId: string;
  private readonly session: GraphSession;
  private readonly settings: QuarantineSettings;
  private readonly directory: GraphDirectory;
  private readonly pulls: Quarantine;
  private readonly reports: GraphReportFolders;

  constructor({ session, domains, quarantine = {} }: GraphProviderOptions) {
    this.session = session;
    this.tenantId = session.tenantId;
    this.settings = QuarantineSettings.parse(quarantine);
    this.directory = new GraphDirectory(session, domains);
    this.pulls = new Quarantine(session, this.settings, new EvidenceStore(session, this.directory, this.settings.mailbox));
    this.reports = new GraphReportFolders(session);
  }

  resolve(addresses: string[]): Promise<mail.Resolution[]> {
    return this.directory.resolve(addresses);
  }

  expandGroup(group: mail.GroupRef): Promise<mail.GroupExpansion> {
    return this.directory.expandGroup(group);
  }

  findCopies(mailbox: mail.MailboxRef, query: mail.MessageQuery): Promise<mail.MessageCopy[]> {
    this.requireOwn([mailbox], 'findCopies');
    return findCopies(this.session, { containedFolders: (m) => this.containedFolders(m) }, mailbox, query);
  }

  findForwards(mailbox: mail.MailboxRef, original: mail.MessageCopy): Promise<mail.Forward[]> {
    this.requireOwn([mailbox], 'findForwards');
    return findForwards(this.session, mailbox, original);
  }

  async quarantine(copies: mail.MessageCopy[], action: mail.QuarantineAction, incidentId: string): Promise<mail.PullResult[]> {
    if (copies.length === 0) return [];
    this.requireOwn(copies.map((copy) => copy.mailbox), 'quarantine');
    return this.pulls.pull(copies, action, incidentId);
  }

  async restore(records: mail.PullRecord[]): Promise<mail.RestoreResult[]> {
    if (records.length === 0) return [];
    this.requireOwn(records.map((record) => record.copy.mailbox), 'restore');
    return restore(this.session, records);
  }

  listMessages(mailbox: mail.MailboxRef, folder: string, limit: number): Promise<mail.ListedMessage[]> {
    this.requireOwn([mailbox], 'listMessages');
    return this.reports.listMessages(mailbox, folder, limit);
  }

  readMime(mailbox: mail.MailboxRef, itemId: string): Promise<Buffer> {
    this.requireOwn([mailbox], 'readMime');
    return this.reports.readMime(mailbox, itemId);
  }

  moveToFolder(mailbox: mail.MailboxRef, itemId: string, folder: string): Promise<{ itemId: string; folderId: string }> {
    this.requireOwn([mailbox], 'moveToFolder');
    return this.reports.moveToFolder(mailbox, itemId, folder);
  }

  /** Copies there are already contained: the quarantine folder, and in the quarantine mailbox the evidence. */
  private containedFolders(mailbox: mail.MailboxRef): string[] {
    const isQuarantineMailbox = this.settings.mailbox !== undefined && mailbox.address.toLowerCase() === this.settings.mailbox;
    return isQuarantineMailbox ? [this.settings.folderName, EVIDENCE_FOLDER_NAME] : [this.settings.folderName];
  }

  /** The port's contract: one tenant, and one mailbox per quarantine or restore call. */
  private requireOwn(mailboxes: mail.MailboxRef[], operation: string): void {
    const keys = new Set(mailboxes.map(mailboxKey));
    const foreign = mailboxes.find((mailbox) => mailbox.tenantId !== this.tenantId);
    if (foreign || keys.size > 1) {
      throw new ProviderError('ProviderRejected', foreign ? `mailbox ${foreign.address} belongs to tenant ${foreign.tenantId}` : `${operation} takes the copies of one mailbox per call`, {
        tenantId: this.tenantId,
        operation,
      });
    }
  }
}
