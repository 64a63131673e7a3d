import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { Address, type Alert } from '../src/domain/alert.js';
import { incidentIdFor } from '../src/domain/ids.js';
import type { IncidentStatus } from '../src/domain/incident.js';
import type { MailboxRef } from '../src/domain/mail.js';
import { canonicalMessageId } from '../src/domain/message-id.js';
import type { Disposition, ParsedReport, ReportedOriginal, Verdict } from '../src/domain/report.js';
import { IncidentNotFound } from '../src/incidents/client.js';
import { log } from '../src/log.js';
import { ProviderError } from '../src/providers/errors.js';
import type { MailProvider, ReportFolders } from '../src/providers/port.js';
import type { ProviderRegistry } from '../src/providers/registry.js';
import type { AbuseMailboxConfig } from '../src/reports/config.js';
import type { AbuseDeps } from './abuse-deps.js';
import { parseReport } from '../src/reports/extract.js';
import { fitReport } from '../src/reports/fit.js';
import { judge } from '../src/reports/verdict.js';
import { reportedMessageWorkflow } from '../workflows/reported-message.js';
import { addReporterUpdate, reportedMessageWorkflowId, type OriginalOutcome, type ReporterTally, type WaitingReport } from '../workflows/report-messages.js';
import { toActivityFailure } from './failures.js';

/** How far around the forwarded Date a copy in the reporter's mailbox may have been received. */
const LOCATE_WINDOW_MS = 24 * 3600_000;

function mailboxConfig(deps: AbuseDeps | undefined, abuseMailbox: string): { deps: AbuseDeps; mailbox: AbuseMailboxConfig } {
  const mailbox = deps?.config.mailboxes.find((m) => m.id === abuseMailbox);
  if (!deps || !mailbox) throw ApplicationFailure.nonRetryable(`abuse mailbox ${abuseMailbox} is not configured on this worker`, 'AbuseMailboxNotConfigured');
  return { deps, mailbox };
}

type FolderProvider = MailProvider & ReportFolders;

/** The mailbox behind an address, and the provider that reaches it. */
async function openMailbox(providers: ProviderRegistry, address: string): Promise<{ provider: FolderProvider; mailbox: MailboxRef } | { detail: string }> {
  const provider = providers.forAddress(address) as FolderProvider | undefined;
  if (!provider) return { detail: `${address} is in no configured tenant` };
  const [resolution] = await provider.resolve([address]);
  if (resolution?.kind !== 'mailbox') return { detail: `${address} is not a mailbox (${resolution?.kind ?? 'unresolved'})` };
  return { provider, mailbox: resolution.mailbox };
}

async function requireMailbox(providers: ProviderRegistry, address: string) {
  const opened = await openMailbox(providers, address);
  if ('detail' in opened) throw ApplicationFailure.nonRetryable(`abuse mailbox ${opened.detail}`, 'AbuseMailboxNotConfigured');
  return opened;
}

/** Names the report's workflow for good: from its Message-ID, else its item id in the abuse mailbox. */
function reportKey(messageId: string | undefined, itemId: string): string {
  const basis = messageId ? `mid:${canonicalMessageId(messageId)}` : `item:${itemId}`;
  return createHash('sha256').update(basis).digest('hex').slice(0, 24);
}

/** Turns provider errors into failures the retry policy understands, on every activity here. */
async function providerCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toActivityFailure(error);
  }
}

/** The alert a malicious report becomes: the original's sender, its recipients and the reporter. */
function alertFor(original: ReportedOriginal & { messageId: string }, reporter: string | undefined, verdict: Verdict, alertKey: string): Alert | string {
  const sender = [original.from, original.returnPath].find((a) => a !== undefined && Address.safeParse(a).success);
  if (!sender) return 'no sender address in the reported message: no incident opened';
  const recipients = [...new Set([...(reporter ? [reporter] : []), ...original.to])].filter((a) => Address.safeParse(a).success);
  if (recipients.length === 0) return 'no recipient address in the reported message: no incident opened';
  return {
    alertId: alertKey,
    messageId: original.messageId,
    sender: sender.toLowerCase(),
    recipients,
    ...(original.subject ? { subject: original.subject.replace(/[\r\n\0]/g, ' ').slice(0, 2000) } : {}),
    ...(original.date ? { receivedAt: original.date } : {}),
    threat: {
      // A known-bad attachment makes it malware; anything else users report is phishing.
      classification: original.attachments.some((a) => verdict.reasons.some((r) => r.includes(a.sha256))) ? 'malware' : 'phish',
      detail: `user report: ${verdict.reasons.join('; ')}`.slice(0, 4000),
      ...(original.urls.length > 0 ? { urls: original.urls.slice(0, 100).map((u) => u.url.slice(0, 4000)) } : {}),
    },
  };
}

export function createAbuseActivities(deps: AbuseDeps | undefined) {
  return {
    /** The reports waiting in the abuse mailbox's folder, at most a batch, each with its key. */
    async listWaitingReports({ abuseMailbox }: { abuseMailbox: string }): Promise<WaitingReport[]> {
      const { deps: d, mailbox } = mailboxConfig(deps, abuseMailbox);
      return providerCall(async () => {
        const { provider, mailbox: ref } = await requireMailbox(d.providers, mailbox.address);
        const listed = await provider.listMessages(ref, mailbox.folder, mailbox.batchSize);
        const keys = new Set<string>();
        return listed.map((message) => {
          // Two reports sharing a Message-ID (a re-sent copy) are two reports.
          let key = reportKey(message.internetMessageId, message.itemId);
          if (keys.has(key)) key = reportKey(undefined, message.itemId);
          keys.add(key);
          return {
            itemId: message.itemId,
            reportKey: key,
            ...(message.subject ? { subject: message.subject } : {}),
            ...(message.from ? { from: message.from.toLowerCase() } : {}),
            ...(message.receivedAt ? { receivedAt: message.receivedAt } : {}),
          };
        });
      });
    },

    /** Reads the report's raw MIME and parses it; the bytes never leave the worker. */
    async readReport({ abuseMailbox, itemId }: { abuseMailbox: string; itemId: string }): Promise<ParsedReport> {
      const { deps: d, mailbox } = mailboxConfig(deps, abuseMailbox);
      return providerCall(async () => {
        const { provider, mailbox: ref } = await requireMailbox(d.providers, mailbox.address);
        return fitReport(await parseReport(await provider.readMime(ref, itemId)));
      });
    },

    /**
     * An inline forward carries no Message-ID: the reported message is looked up in the
     * reporter's own mailbox by its sender, subject and date, as the user received it.
     */
    async locateOriginal({ original, reporter }: { original: ReportedOriginal; reporter?: string }): Promise<{ messageId?: string; detail: string }> {
      if (!deps) throw ApplicationFailure.nonRetryable('no abuse mailboxes configured on this worker', 'AbuseMailboxNotConfigured');
      if (!reporter) return { detail: 'the report has no sender whose mailbox could be searched' };
      if (!original.from || !original.subject) return { detail: 'the forwarded header names no sender or subject to search by' };
      return providerCall(async () => {
        const opened = await openMailbox(deps.providers, reporter);
        if ('detail' in opened) return { detail: `cannot search the reporter's mailbox: ${opened.detail}` };
        const at = original.date ? Date.parse(original.date) : NaN;
        const copies = await opened.provider.findCopies(opened.mailbox, {
          // No message has this id; it makes the search fall back to sender, subject and time.
          messageId: '<not-a-message@clawback.invalid>',
          sender: original.from!,
          subject: original.subject!,
          ...(Number.isNaN(at) ? {} : { receivedAfter: new Date(at - LOCATE_WINDOW_MS).toISOString(), receivedBefore: new Date(at + LOCATE_WINDOW_MS).toISOString() }),
        });
        const ids = [...new Set(copies.map((copy) => canonicalMessageId(copy.internetMessageId)))];
        if (ids.length === 1) return { messageId: ids[0], detail: `found in ${reporter}'s mailbox by sender, subject and date` };
        if (ids.length === 0) return { detail: `no message from ${original.from} with that subject in ${reporter}'s mailbox` };
        return { detail: `${ids.length} different messages from ${original.from} with that subject in ${reporter}'s mailbox: an analyst must choose` };
      });
    },

    /** Adds the reporter to the message's tally and answers how many people reported it. */
    async countReporter({ messageId, reporter, reportKey: key }: { messageId: string; reporter: string; reportKey: string }): Promise<ReporterTally> {
      if (!deps) throw ApplicationFailure.nonRetryable('no abuse mailboxes configured on this worker', 'AbuseMailboxNotConfigured');
      const client = Context.current().client;
      return client.workflow.executeUpdateWithStart(addReporterUpdate, {
        args: [{ reporter, reportKey: key }],
        startWorkflowOperation: new WithStartWorkflowOperation(reportedMessageWorkflow, {
          workflowId: reportedMessageWorkflowId(incidentIdFor(messageId)),
          taskQueue: deps.taskQueue,
          args: [{ messageId, windowMs: deps.config.reportersWindowMs }],
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      });
    },

    /** The verdict: indicator lists as they are now, the allow-list, the incident, the tally. */
    async judgeOriginal({ original, distinctReporters }: { original: ReportedOriginal & { messageId: string }; distinctReporters: number }): Promise<Verdict> {
      if (!deps) throw ApplicationFailure.nonRetryable('no abuse mailboxes configured on this worker', 'AbuseMailboxNotConfigured');
      const matches = (await deps.indicators.current()).match(original);
      const incidentId = incidentIdFor(original.messageId);
      let incident: { incidentId: string; status: IncidentStatus } | undefined;
      try {
        const { state } = await deps.incidentsFor(Context.current().client).state(incidentId, { copiesLimit: 1, auditLimit: 1 });
        incident = { incidentId, status: state.status };
      } catch (error) {
        if (!(error instanceof IncidentNotFound)) throw error;
      }
      return judge({ original, distinctReporters, ...(incident ? { incident } : {}) }, matches, deps.config.verdict);
    },

    /** Starts (or merges into) the incident of a malicious report's message, under the mailbox's policy. */
    async openIncidentForReport(input: {
      abuseMailbox: string;
      original: ReportedOriginal & { messageId: string };
      reporter?: string;
      verdict: Verdict;
      alertKey: string;
    }): Promise<{ ok: true; incident: NonNullable<OriginalOutcome['incident']> } | { ok: false; detail: string }> {
      const { deps: d } = mailboxConfig(deps, input.abuseMailbox);
      const alert = alertFor(input.original, input.reporter, input.verdict, input.alertKey);
      if (typeof alert === 'string') return { ok: false, detail: alert };
      const submitted = await d.incidentsFor(Context.current().client).submitAlert(alert, input.abuseMailbox, d.policyFor(input.abuseMailbox, alert));
      log.info({ event: 'report.incident', incidentId: submitted.incidentId, abuseMailbox: input.abuseMailbox, status: submitted.status }, 'user report opened or joined an incident');
      return { ok: true, incident: { incidentId: submitted.incidentId, status: submitted.status } };
    },

    /** Answers the reporter with the template of the report's disposition; false when replies are off. */
    async replyToReporter(input: {
      abuseMailbox: string;
      reporter: string;
      reportKey: string;
      reportMessageId?: string;
      reportSubject?: string;
      disposition: Disposition;
      originals: OriginalOutcome[];
    }): Promise<boolean> {
      const { deps: d } = mailboxConfig(deps, input.abuseMailbox);
      if (!d.replier || !Address.safeParse(input.reporter).success) return false;
      await d.replier.reply({
        reporter: input.reporter,
        disposition: input.disposition,
        ...(input.reportSubject ? { reportSubject: input.reportSubject } : {}),
        ...(input.reportMessageId ? { reportMessageId: input.reportMessageId } : {}),
        originals: input.originals.map(({ original, verdict }) => ({ subject: original.subject, from: original.from, disposition: verdict.disposition })),
        idempotencyKey: `report-${input.abuseMailbox}-${input.reportKey}`,
      });
      return true;
    },

    /**
     * Moves the report to the processed folder (or the analysts' one). A retry after a move whose
     * answer was lost finds the report already there by its Message-ID and reports it filed.
     */
    async fileReport(input: { abuseMailbox: string; itemId: string; reportMessageId?: string; needsAnalyst: boolean }): Promise<string> {
      const { deps: d, mailbox } = mailboxConfig(deps, input.abuseMailbox);
      const folder = input.needsAnalyst ? mailbox.reviewFolder : mailbox.processedFolder;
      return providerCall(async () => {
        const { provider, mailbox: ref } = await requireMailbox(d.providers, mailbox.address);
        try {
          await provider.moveToFolder(ref, input.itemId, folder);
        } catch (error) {
          if (!(error instanceof ProviderError) || error.type !== 'ProviderRejected' || !input.reportMessageId) throw error;
          const copies = await provider.findCopies(ref, { messageId: input.reportMessageId });
          if (!copies.some((copy) => copy.folderPath.toLowerCase() === folder.toLowerCase())) throw error;
        }
        return folder;
      });
    },
  };
}
