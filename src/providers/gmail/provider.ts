import { readFile } from 'node:fs/promises';
import type {
  CreatedFolder,
  Forward,
  GroupExpansion,
  GroupRef,
  ListedMessage,
  MailboxRef,
  MessageCopy,
  MessageQuery,
  PullRecord,
  PullResult,
  QuarantineAction,
  Resolution,
  RestoreResult,
} from '../../domain/mail.js';
import { QuarantineSettings, type QuarantineSettingsInput } from '../../domain/quarantine.js';
import { ConfigError } from '../../config/load.js';
import { readSecret, SecretUnavailable } from '../../config/secret.js';
import type { MailProvider, ReportFolders } from '../port.js';
import { GoogleApi } from './api.js';
import { ServiceAccountKey, type GmailEndpoints, type GmailProviderConfig } from './config.js';
import { GmailDirectory } from './directory.js';
import { EvidenceKeeper } from './evidence.js';
import { findForwards } from './forwards.js';
import { GoogleClients } from './google-clients.js';
import { pull } from './pull.js';
import { UnitLimiter } from './quota.js';
import { GmailReportFolders } from './report-folders.js';
import { restore } from './restore.js';
import { findCopies } from './search.js';

export interface GmailProviderOptions {
  tenantId: string;
  /** The tenant's domains: addresses outside them are external, never looked up. */
  domains: readonly string[];
  config: GmailEndpoints;
  quarantine?: QuarantineSettingsInput;
}

export interface GmailCredentials {
  serviceAccount: ServiceAccountKey;
  /** PEM of extra CAs to trust (the caFile's content). */
  ca?: string;
}

/**
 * The MailProvider for Google Workspace: the Admin SDK Directory for recipients, the Gmail API
 * for mail, through a service account with domain-wide delegation.
 */
export class GmailProvider implements MailProvider, ReportFolders {
  readonly tenantId: string;
  private readonly api: GoogleApi;
  private readonly directory: GmailDirectory;
  private readonly settings: QuarantineSettings;
  private readonly evidence: EvidenceKeeper;
  private readonly reports: GmailReportFolders;

  private constructor(api: GoogleApi, options: GmailProviderOptions) {
    this.tenantId = options.tenantId;
    this.api = api;
    this.directory = new GmailDirectory(api, options.domains);
    this.settings = QuarantineSettings.parse(options.quarantine ?? {});
    this.evidence = new EvidenceKeeper(api, this.settings);
    this.reports = new GmailReportFolders(api);
  }

  /** Reads the key and the CA file: a bad key or an unreadable file stops start-up, naming the config path, never the key. */
  static async open(options: GmailProviderOptions & { config: GmailProviderConfig }, where = `tenants.${options.tenantId}.provider`): Promise<GmailProvider> {
    const { config } = options;
    const keyPath = `${where}.serviceAccountKey`;
    const key = ServiceAccountKey.safeParse(parseJson(await readSecret(config.serviceAccountKey, keyPath)));
    if (!key.success) throw new SecretUnavailable(keyPath, `not a service account JSON key (${key.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})`);
    const ca =
      config.caFile === undefined
        ? undefined
        : await readFile(config.caFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
            throw new ConfigError(`${where}.caFile: cannot read ${config.caFile}: ${error.code ?? error.message}`, undefined);
          });
    return GmailProvider.connect(options, { serviceAccount: key.data, ...(ca === undefined ? {} : { ca }) });
  }

  /** The provider over credentials already read. */
  static connect(options: GmailProviderOptions, { serviceAccount, ca }: GmailCredentials): GmailProvider {
    const { config } = options;
    const clients = new GoogleClients({
      clientEmail: serviceAccount.client_email,
      privateKey: serviceAccount.private_key,
      adminUser: config.adminUser,
      tokenUrl: config.tokenUrl,
      gmailRootUrl: config.gmailRootUrl,
      directoryRootUrl: config.directoryRootUrl,
      ...(ca === undefined ? {} : { ca }),
    });
    return new GmailProvider(new GoogleApi(clients, new UnitLimiter(config.unitsPerMinute), options.tenantId), options);
  }

  resolve(addresses: string[]): Promise<Resolution[]> {
    return this.directory.resolve(addresses);
  }

  expandGroup(group: GroupRef): Promise<GroupExpansion> {
    return this.directory.expand(group);
  }

  findCopies(mailbox: MailboxRef, query: MessageQuery): Promise<MessageCopy[]> {
    return findCopies(this.api, this.settings.folderName, mailbox, query);
  }

  findForwards(mailbox: MailboxRef, original: MessageCopy): Promise<Forward[]> {
    return findForwards(this.api, mailbox, original);
  }

  quarantine(copies: MessageCopy[], action: QuarantineAction, incidentId: string): Promise<PullResult[]> {
    return pull(this.api, copies, {
      action,
      quarantineLabel: this.settings.folderName,
      ...(action === 'quarantine-mailbox' ? { keepEvidence: (copy: MessageCopy, created: CreatedFolder[]) => this.evidence.keep(copy, incidentId, created) } : {}),
    });
  }

  restore(records: PullRecord[]): Promise<RestoreResult[]> {
    return restore(this.api, records);
  }

  listMessages(mailbox: MailboxRef, folder: string, limit: number): Promise<ListedMessage[]> {
    return this.reports.listMessages(mailbox, folder, limit);
  }

  readMime(mailbox: MailboxRef, itemId: string): Promise<Buffer> {
    return this.reports.readMime(mailbox, itemId);
  }

  moveToFolder(mailbox: MailboxRef, itemId: string, folder: string): Promise<{ itemId: string; folderId: string }> {
    return this.reports.moveToFolder(mailbox, itemId, folder);
  }

  close(): void {
    this.api.clients.close();
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
