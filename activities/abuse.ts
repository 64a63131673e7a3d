import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { Address, Alert, MAX_ALERT_RECIPIENTS } from '../src/domain/alert.js';
import { incidentIdFor } from '../src/domain/ids.js';
import type { IncidentStatus, Policy } from '../src/domain/incident.js';
import type { MailboxRef, MessageQuery } from '../src/domain/mail.js';
import { canonicalMessageId } from '../src/domain/message-id.js';
import type { Disposition, ParsedReport, ReportedOriginal, Verdict } from '../src/domain/report.js';
import { IncidentNotFound } from '../src/incidents/client.js';
import { log } from '../src/log.js';
import { ProviderError } from '../src/providers/errors.js';
import type { MailProvider, ReportFolders } from '../src/providers/port.js';
import type { ProviderRegistry } from '../src/providers/registry.js';
import type { AbuseMailboxConfig } from '../src/reports/config.js';
import type { AbuseDeps } from './abuse-deps.js';
import { parseOriginal, parseReport } from '../src/reports/extract.js';
import { fitReport } from '../src/reports/fit.js';
import { judge } from '../src/reports/verdict.js';
import { reportedMessageWorkflow } from '../workflows/reported-message.js';
import { addReporterUpdate, REPORT_MEMO_KEY, reportedMessageWorkflowId, reportWorkflowId, type Confirmation, type ReportMemo, type Judgement, type OriginalOutcome, type ReporterTally, type WaitingReport } from '../workflows/report-messages.js';
import { toActivityFailure } from './failures.js';

/** How far around the forwarded Date a copy in the reporter's mailbox may have been received. */
const LOCATE_WINDOW_MS = 24 * 3600_000;

/**
 * The search for the reported message in the reporter's mailbox: its Message-ID, or for an inline
 * forward (which carries none) an id no message has, so that providers match on the sender,
 * subject and date given as the fallback.
 */
function queryFor(original: ReportedOriginal): MessageQuery {
  const at = original.date ? Date.parse(original.date) : NaN;
  return {
    messageId: original.messageId ?? '<not-a-message@clawback.invalid>',
    ...(original.from ? { sender: original.from } : {}),
    ...(original.subject ? { subject: original.subject } : {}),
    ...(Number.isNaN(at) ? {} : { receivedAfter: new Date(at - LOCATE_WINDOW_MS).toISOString(), receivedBefore: new Date(at + LOCATE_WINDOW_MS).toISOString() }),
  };
}

/** The deps, or a permanent failure: a worker without abuse mailboxes must not pretend to judge reports. */
function requireAbuse(deps: AbuseDeps | undefined): AbuseDeps {
  if (!deps) throw ApplicationFailure.nonRetryable('no abuse mailboxes configured on this worker', 'AbuseMailboxNotConfigured');
  return deps;
}

function mailboxConfig(deps: AbuseDeps | undefined, abuseMailbox: string): { deps: AbuseDeps; mailbox: AbuseMailboxConfig } {
  const abuse = requireAbuse(deps);
  const mailbox = abuse.config.mailboxes.find((m) => m.id === abuseMailbox);
  if (!mailbox) throw ApplicationFailure.nonRetryable(`abuse mailbox ${abuseMailbox} is not configured on this worker`, 'AbuseMailboxNotConfigured');
  return { deps: abuse, mailbox };
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
function alertFor(original: ReportedOriginal & { messageId: string }, reporter: string, verdict: Verdict, alertKey: string): Alert | string {
  const sender = [original.from, original.returnPath].find((a) => a !== undefined && Address.safeParse(a).success);
  if (!sender) return 'no sender address in the reported message: no incident opened';
  const recipients = [...new Set([reporter, ...original.to])].filter((a) => Address.safeParse(a).success).slice(0, MAX_ALERT_RECIPIENTS);
  if (recipients.length === 0) return 'no recipient address in the reported message: no incident opened';
  const parsed = Alert.safeParse({
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
  });
  return parsed.success ? parsed.data : `the reported message makes no valid alert (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}): no incident opened`;
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

    /**
     * Reports a poll met again after their workflow had completed (delivered twice, or put back in
     * the folder) go where the first handling filed them: handled once, never left waiting.
     * Those whose workflow still runs are left to it.
     */
    async fileHandledReports({ abuseMailbox, reports }: { abuseMailbox: string; reports: WaitingReport[] }): Promise<number> {
      const { deps: d, mailbox } = mailboxConfig(deps, abuseMailbox);
      const client = Context.current().client;
      const { provider, mailbox: ref } = await providerCall(() => requireMailbox(d.providers, mailbox.address));
      let filed = 0;
      for (const report of reports) {
        const { status, memo } = await client.workflow.getHandle(reportWorkflowId(abuseMailbox, report.reportKey)).describe();
        if (status.name !== 'COMPLETED') continue;
        const handled = memo?.[REPORT_MEMO_KEY] as ReportMemo | undefined;
        const folder = handled?.needsAnalyst ? mailbox.reviewFolder : mailbox.processedFolder;
        await providerCall(() => provider.moveToFolder(ref, report.itemId, folder));
        log.info({ event: 'report.refiled', abuseMailbox, reportKey: report.reportKey, folder }, 'a report already handled was met again and filed');
        filed++;
      }
      return filed;
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
     * What a report says is only a claim: anyone can mail the abuse mailbox a made-up message. The
     * reported message counts when the reporter is a mailbox of ours that holds it, found by its
     * Message-ID, or for an inline forward (which carries none) by sender, subject and date; its
     * indicators are then read from that stored copy, never from the forwarded bytes.
     */
    async confirmOriginal({ original, reporter }: { original: ReportedOriginal; reporter?: string }): Promise<Confirmation> {
      const d = requireAbuse(deps);
      if (!reporter) return { detail: 'the report has no sender whose mailbox could be searched' };
      return providerCall(async () => {
        const opened = await openMailbox(d.providers, reporter);
        if ('detail' in opened) return { detail: `the reporter is not one of our mailboxes (${opened.detail}): nothing is acted on` };
        const copies = await opened.provider.findCopies(opened.mailbox, queryFor(original));
        const ids = [...new Set(copies.map((copy) => canonicalMessageId(copy.internetMessageId)))];
        const where = `${reporter}'s mailbox`;
        if (ids.length === 0) return { detail: `no such message in ${where}: the report is not acted on` };
        if (ids.length > 1) return { detail: `${ids.length} different messages from ${original.from} with that subject in ${where}: an analyst must choose` };
        const copy = copies[0]!;
        const stored = await parseOriginal(await opened.provider.readMime(opened.mailbox, copy.itemId));
        const how = original.messageId ? 'by its Message-ID' : 'by sender, subject and date';
        return {
          original: { ...(stored.original ?? original), found: original.found, messageId: ids[0]! },
          detail: `found in ${where} ${how}${stored.original ? '; indicators read from that copy' : `; that copy could not be read (${stored.problems.join('; ')})`}`,
        };
      });
    },

    /** Adds the reporter to the message's tally and answers how many people reported it. */
    async countReporter({ messageId, reporter, reportKey: key }: { messageId: string; reporter: string; reportKey: string }): Promise<ReporterTally> {
      const d = requireAbuse(deps);
      const client = Context.current().client;
      return client.workflow.executeUpdateWithStart(addReporterUpdate, {
        args: [{ reporter, reportKey: key }],
        startWorkflowOperation: new WithStartWorkflowOperation(reportedMessageWorkflow, {
          workflowId: reportedMessageWorkflowId(incidentIdFor(messageId)),
          taskQueue: d.taskQueue,
          args: [{ messageId, windowMs: d.config.reportersWindowMs }],
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      });
    },

    /** The verdict: indicator lists as they are now, the allow-list, the incident, the tally. */
    async judgeOriginal({ original, distinctReporters }: { original: ReportedOriginal & { messageId: string }; distinctReporters: number }): Promise<Judgement> {
      const d = requireAbuse(deps);
      const matches = (await d.indicators.current()).match(original);
      const incidentId = incidentIdFor(original.messageId);
      let incident: { incidentId: string; status: IncidentStatus } | undefined;
      try {
        const state = await d.incidentsFor(Context.current().client).summary(incidentId);
        incident = { incidentId, status: state.status };
      } catch (error) {
        if (!(error instanceof IncidentNotFound)) throw error;
      }
      return { verdict: judge({ original, distinctReporters, ...(incident ? { incident } : {}) }, matches, d.config.verdict), ...(incident ? { incident } : {}) };
    },

    /** Starts (or merges into) the incident of a malicious report's message, under the mailbox's policy. */
    async openIncidentForReport(input: {
      abuseMailbox: string;
      original: ReportedOriginal & { messageId: string };
      reporter: string;
      verdict: Verdict;
      alertKey: string;
    }): Promise<{ ok: true; incident: NonNullable<OriginalOutcome['incident']>; policy: Policy } | { ok: false; detail: string }> {
      const { deps: d } = mailboxConfig(deps, input.abuseMailbox);
      const alert = alertFor(input.original, input.reporter, input.verdict, input.alertKey);
      if (typeof alert === 'string') return { ok: false, detail: alert };
      const policy = d.policyFor(input.abuseMailbox, alert);
      const submitted = await d.incidentsFor(Context.current().client).submitAlert(alert, input.abuseMailbox, policy);
      log.info({ event: 'report.incident', incidentId: submitted.incidentId, abuseMailbox: input.abuseMailbox, status: submitted.status, policy }, 'user report opened or joined an incident');
      return { ok: true, incident: { incidentId: submitted.incidentId, status: submitted.status }, policy };
    },

    /** Answers the reporter with the template of the report's disposition; false when replies are off. */
    async replyToReporter(input: {
      abuseMailbox: string;
      reporter: string;
      reportKey: string;
      reportMessageId?: string;
      reportSubject?: string;
      disposition: Disposition;
      /** The message is being pulled now (an `auto` incident), not waiting for an analyst. */
      removing: boolean;
      originals: OriginalOutcome[];
    }): Promise<boolean> {
      const { deps: d } = mailboxConfig(deps, input.abuseMailbox);
      // Only people of ours are answered: a forged report must not make Clawback mail outsiders.
      if (!d.replier || !Address.safeParse(input.reporter).success || !d.providers.forAddress(input.reporter)) return false;
      await d.replier.reply({
        reporter: input.reporter,
        disposition: input.disposition,
        removing: input.removing,
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
