import { readFile } from 'node:fs/promises';
import type * as mail from '../../domain/mail.js';
import { canonicalMessageId } from '../../domain/message-id.js';
import { QuarantineSettings, type QuarantineSettingsInput } from '../../domain/quarantine.js';
import { readSecret } from '../../config/secret.js';
import { withCreatedFolders } from '../created-folders.js';
import type { MailProvider, ReportFolders } from '../port.js';
import { EwsProviderConfig, type EwsProviderConfigInput } from './config.js';
import { EwsConnection, type EwsCredential } from './connection.js';
import { EwsDirectory } from './directory.js';
import { EvidenceStore } from './evidence.js';
import { findForwards } from './forwards.js';
import { pullCopies } from './pull.js';
import { QuarantineFolders } from './quarantine-folders.js';
import { EwsReportFolders } from './report-folders.js';
import { restoreRecords } from './restore.js';
import { MailboxSearch } from './search.js';
import { TokenSource } from './token.js';
import { trustingAgent } from './transport.js';

export interface OpenEwsProviderOptions {
  /** The tenant's id in Clawback's config; mailboxes and lists are named by SMTP address within it. */
  tenantId: string;
  config: EwsProviderConfigInput;
  /** The tenant's recipient domains: an address there that resolves to nothing is unknown, not external. */
  domains: string[];
  quarantine?: QuarantineSettingsInput;
  /** Where the config sits in the file, for errors about its secrets ("tenants.0.provider"). */
  where?: string;
  /** Sees every response body (tests check them against the schema). */
  onResponse?: (body: string) => void;
}

/**
 * The MailProvider for Exchange on-premises over EWS (ews-javascript-api), as one service account
 * with ApplicationImpersonation: directory through ResolveNames/ExpandDL, every mailbox operation
 * impersonating that mailbox.
 */
export class EwsProvider implements MailProvider, ReportFolders {
  readonly tenantId: string;
  private readonly directory: EwsDirectory;
  private readonly folders: QuarantineFolders;
  private readonly evidence: EvidenceStore;
  private readonly settings: QuarantineSettings;
  private readonly reports: EwsReportFolders;

  constructor(
    private readonly connection: EwsConnection,
    domains: string[],
    quarantine: QuarantineSettingsInput,
    private readonly batchSize: number,
  ) {
    this.tenantId = connection.tenantId;
    this.settings = QuarantineSettings.parse(quarantine);
    this.directory = new EwsDirectory(connection, domains.map((d) => d.toLowerCase()));
    this.folders = new QuarantineFolders(this.settings.folderName);
    this.evidence = new EvidenceStore(connection, this.folders, this.settings.mailbox);
    this.reports = new EwsReportFolders(connection, this.folders);
  }

  /** Reads the credentials and the CA file now, so a bad configuration fails at start-up. */
  static async open({ tenantId, config: input, domains, quarantine = {}, where = 'provider', onResponse }: OpenEwsProviderOptions): Promise<EwsProvider> {
    const config = EwsProviderConfig.parse(input);
    const dispatcher = trustingAgent(config.caFile === undefined ? undefined : await readCa(config.caFile, `${where}.caFile`));
    const { auth } = config;
    const credential: EwsCredential =
      auth.type === 'basic'
        ? { kind: 'basic', username: auth.username, password: await readSecret(auth.password, `${where}.auth.password`) }
        : {
            kind: 'oauth',
            clientId: auth.clientId,
            tokens: new TokenSource(
              { tokenUrl: auth.tokenUrl, clientId: auth.clientId, clientSecret: await readSecret(auth.clientSecret, `${where}.auth.clientSecret`), scope: auth.scope },
              dispatcher,
              tenantId,
            ),
          };
    const connection = new EwsConnection({ tenantId, url: config.url, credential, dispatcher, maxConcurrency: config.maxConcurrency, requestTimeoutMs: config.requestTimeoutMs, ...(onResponse ? { onResponse } : {}) });
    return new EwsProvider(connection, domains, quarantine, config.batchSize);
  }

  resolve(addresses: string[]): Promise<mail.Resolution[]> {
    return this.directory.resolve(addresses);
  }

  expandGroup(group: mail.GroupRef): Promise<mail.GroupExpansion> {
    return this.directory.expandGroup(group);
  }

  /** By Message-ID in every folder and Recoverable Items, the quarantine folder left out; else by sender, subject and time. */
  findCopies(mailbox: mail.MailboxRef, query: mail.MessageQuery): Promise<mail.MessageCopy[]> {
    return this.connection.call('findCopies', mailbox.address, async (service) => {
      const search = await MailboxSearch.open(service, mailbox, this.connection.context('findCopies', mailbox.address));
      const quarantine = search.folders.topLevel(this.settings.folderName)?.id;
      const byId = await search.byMessageId(query.messageId, quarantine);
      return byId.length > 0 ? byId : search.bySenderAndSubject(query, quarantine);
    });
  }

  findForwards(mailbox: mail.MailboxRef, original: mail.MessageCopy): Promise<mail.Forward[]> {
    return this.connection.call('findForwards', mailbox.address, (service) =>
      findForwards(service, mailbox, original, this.connection.context('findForwards', mailbox.address)),
    );
  }

  async quarantine(copies: mail.MessageCopy[], action: mail.QuarantineAction, incidentId: string): Promise<mail.PullResult[]> {
    if (copies.length === 0) return [];
    const mailbox = copies[0]!.mailbox.address;
    // Outside the connection's call: a creation survives the call's own retry with a fresh token.
    const created: mail.CreatedFolder[] = [];
    const results = await this.connection.call('quarantine', mailbox, (service) =>
      pullCopies(copies, action, { service, folders: this.folders, batchSize: this.batchSize, at: this.connection.context('quarantine', mailbox), created }),
    );
    if (action !== 'quarantine-mailbox') return withCreatedFolders(results, created);
    const kept = results.flatMap((result) => ('record' in result ? [{ messageId: result.record.copy.internetMessageId, quarantinedItemId: result.record.quarantinedItemId }] : []));
    const evidence = kept.length > 0 ? await this.evidence.keep(mailbox, kept, incidentId, created) : new Map();
    const withEvidence = results.map((result) => {
      if (!('record' in result)) return result;
      const held = evidence.get(canonicalMessageId(result.record.copy.internetMessageId));
      return held ? { ...result, record: { ...result.record, evidence: held } } : result;
    });
    return withCreatedFolders(withEvidence, created);
  }

  listMessages(mailbox: mail.MailboxRef, folder: string, limit: number): Promise<mail.ListedMessage[]> {
    return this.reports.listMessages(mailbox, folder, limit);
  }

  readMime(mailbox: mail.MailboxRef, itemId: string): Promise<Buffer> {
    return this.reports.readMime(mailbox, itemId);
  }

  moveToFolder(mailbox: mail.MailboxRef, itemId: string, folder: string): Promise<{ itemId: string; folderId: string }> {
    return this.reports.moveToFolder(mailbox, itemId, folder);
  }

  restore(records: mail.PullRecord[]): Promise<mail.RestoreResult[]> {
    if (records.length === 0) return Promise.resolve([]);
    const mailbox = records[0]!.copy.mailbox.address;
    return this.connection.call('restore', mailbox, (service) => restoreRecords(records, { service, batchSize: this.batchSize, at: this.connection.context('restore', mailbox) }));
  }
}

async function readCa(file: string, where: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`${where}: cannot read the CA file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
