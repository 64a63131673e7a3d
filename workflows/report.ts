import { ActivityFailure, proxyActivities, setCurrentDetails, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { worstDisposition, type ParsedReport, type ReportedOriginal } from '../src/domain/report.js';
import { PERMANENT_NOTIFICATION_ERRORS } from '../src/notify/errors.js';
import { PERMANENT_PROVIDER_ERRORS } from '../src/providers/errors.js';
import { plainText, reportDetails } from './report-details.js';
import { REPORT_MEMO_KEY, reportSearchAttributes, type OriginalOutcome, type ReportInput, type ReportMemo, type ReportOutcome, type WaitingReport } from './report-messages.js';

const retry = {
  initialInterval: '2s',
  backoffCoefficient: 2,
  maximumInterval: '2m',
  maximumAttempts: 10,
  nonRetryableErrorTypes: [...PERMANENT_PROVIDER_ERRORS, 'AbuseMailboxNotConfigured'],
};
const abuse = proxyActivities<Activities>({ startToCloseTimeout: '5m', retry });

/** Message-IDs named in the report's search attribute: within Temporal's size limit for one value. */
const SEARCHABLE_IDS = 10;
const SEARCHABLE_ID_LENGTH = 200;

type Triage = Pick<ReportOutcome, 'disposition' | 'needsAnalyst' | 'originals' | 'problems'> & { parsed?: ParsedReport; removing: boolean };

/**
 * One user report, from the abuse mailbox to its folder: read it, confirm the reported message(s)
 * in the reporter's own mailbox, judge each, open (or join) the incident of each malicious one,
 * file the report away and answer the reporter. Each step is an activity with a summary, so the
 * Temporal UI shows where a report is and why it ended as it did. Whatever goes wrong while
 * judging, the report is filed for an analyst with the reason: a failed report would be handled
 * again at every poll.
 */
export async function reportWorkflow({ abuseMailbox, report }: ReportInput): Promise<ReportOutcome> {
  const memo: ReportMemo = { abuseMailbox, ...(report.from ? { reporter: report.from } : {}), ...(report.subject ? { subject: report.subject } : {}), ...(report.receivedAt ? { receivedAt: report.receivedAt } : {}) };
  upsertMemo({ [REPORT_MEMO_KEY]: memo });
  setCurrentDetails(`Reading the report from ${plainText(report.from ?? 'an unknown sender')}`);

  let triage: Triage;
  try {
    triage = await triageReport(abuseMailbox, report);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    triage = { disposition: 'unknown', needsAnalyst: true, originals: [], problems: [`triage stopped: ${error.cause?.message ?? error.message}`], removing: false };
  }
  const { parsed } = triage;
  const reporter = parsed?.reporter ?? report.from;
  // Filed before the answer: should filing fail for good, the next poll's run answers once.
  const filedIn = await abuse.fileReport.executeWithOptions(
    { startToCloseTimeout: '2m', retry: { maximumAttempts: 30 }, summary: triage.needsAnalyst ? 'keep the report for an analyst' : 'file the report as processed' },
    [{ abuseMailbox, itemId: report.itemId, ...(parsed?.messageId ? { reportMessageId: parsed.messageId } : {}), needsAnalyst: triage.needsAnalyst }],
  );
  const replied = reporter
    ? await answerReporter({ abuseMailbox, reporter, reportKey: report.reportKey, reportMessageId: parsed?.messageId, reportSubject: parsed?.subject ?? report.subject, disposition: triage.disposition, removing: triage.removing, originals: triage.originals })
    : false;

  const outcome: ReportOutcome = {
    abuseMailbox,
    reportKey: report.reportKey,
    ...(reporter ? { reporter } : {}),
    ...(parsed?.subject ? { subject: parsed.subject } : {}),
    disposition: triage.disposition,
    needsAnalyst: triage.needsAnalyst,
    originals: triage.originals,
    problems: triage.problems,
    replied: replied === true,
    ...(typeof replied === 'string' ? { replyFailed: replied } : {}),
    filedIn,
  };
  upsertMemo({
    [REPORT_MEMO_KEY]: {
      ...memo,
      ...(reporter ? { reporter } : {}),
      disposition: outcome.disposition,
      needsAnalyst: outcome.needsAnalyst,
      replied: outcome.replied,
      ...(outcome.replyFailed ? { replyFailed: outcome.replyFailed } : {}),
      incidentIds: outcome.originals.flatMap((o) => (o.incident ? [o.incident.incidentId] : [])),
      originals: outcome.originals.map(({ original, verdict }) => ({ messageId: original.messageId, subject: original.subject, from: original.from, disposition: verdict.disposition, reasons: verdict.reasons })),
    } satisfies ReportMemo,
  });
  const messageIds = outcome.originals.flatMap((o) => (o.original.messageId && o.original.messageId.length <= SEARCHABLE_ID_LENGTH ? [o.original.messageId] : [])).slice(0, SEARCHABLE_IDS);
  upsertSearchAttributes([
    { key: reportSearchAttributes.disposition, value: outcome.disposition },
    ...(messageIds.length > 0 ? [{ key: reportSearchAttributes.reportedMessageIds, value: messageIds }] : []),
  ]);
  setCurrentDetails(reportDetails(outcome, workflowInfo().workflowId));
  return outcome;
}

/** Reads the report and decides about each message it carries. */
async function triageReport(abuseMailbox: string, report: WaitingReport): Promise<Triage> {
  const parsed = await abuse.readReport.executeWithOptions(
    { summary: `read and parse the report "${plainText(report.subject ?? '', 120)}"` },
    [{ abuseMailbox, itemId: report.itemId }],
  );
  const reporter = parsed.reporter ?? report.from;
  const originals: (OriginalOutcome & { confirmed: boolean })[] = [];
  let removing = false;
  for (const [n, original] of parsed.originals.entries()) {
    const outcome = await triageOriginal(abuseMailbox, report, original, n, reporter);
    removing ||= outcome.removing;
    originals.push(outcome.outcome);
  }
  const disposition = worstDisposition(originals.map((o) => o.verdict.disposition));
  // Unconfirmed messages and malicious ones no incident took are for an analyst.
  const needsAnalyst = originals.length === 0 || originals.some((o) => (!o.confirmed && !o.incident) || (o.verdict.disposition === 'malicious' && !o.incident));
  return { parsed, disposition, needsAnalyst, originals: originals.map(({ confirmed: _, ...o }) => o), problems: parsed.problems, removing };
}

async function triageOriginal(
  abuseMailbox: string,
  report: WaitingReport,
  original: ReportedOriginal,
  n: number,
  reporter: string | undefined,
): Promise<{ outcome: OriginalOutcome & { confirmed: boolean }; removing: boolean }> {
  const label = plainText(original.subject ?? original.messageId ?? `message ${n + 1}`, 120);
  const confirmation = await abuse.confirmOriginal.executeWithOptions(
    { summary: `find "${label}" in the reporter's mailbox` },
    [{ original, ...(reporter ? { reporter } : {}) }],
  );
  const confirmed = confirmation.original;
  const candidate = confirmed ?? (original.messageId ? { ...original, messageId: original.messageId } : undefined);
  if (!candidate) {
    return { outcome: { original, verdict: { disposition: 'unknown', reasons: [confirmation.detail] }, confirmation: confirmation.detail, confirmed: false }, removing: false };
  }
  // Only a reporter who holds the message counts: forged senders cannot reach the threshold.
  const tally =
    confirmed && reporter
      ? await abuse.countReporter.executeWithOptions({ startToCloseTimeout: '1m', summary: `count who reported ${candidate.messageId}` }, [
          { messageId: candidate.messageId, reporter, reportKey: report.reportKey },
        ])
      : { distinctReporters: 0, reporters: [] };
  const { verdict, incident } = await abuse.judgeOriginal.executeWithOptions({ startToCloseTimeout: '1m', summary: `judge ${candidate.messageId}` }, [
    { original: candidate, distinctReporters: tally.distinctReporters },
  ]);
  const outcome: OriginalOutcome & { confirmed: boolean } = { original: candidate, verdict, confirmation: confirmation.detail, confirmed: confirmed !== undefined };
  if (verdict.disposition !== 'malicious') return { outcome, removing: false };
  if (!confirmed || !reporter) {
    // The message's incident already runs: it covers the message; a claim adds no scope to it.
    if (incident && incident.status !== 'undone') outcome.incident = { incidentId: incident.incidentId, status: 'existing' };
    return { outcome, removing: false };
  }
  const opened = await abuse.openIncidentForReport.executeWithOptions({ startToCloseTimeout: '1m', summary: `open or join the incident of ${candidate.messageId}` }, [
    { abuseMailbox, original: confirmed, reporter, verdict, alertKey: `${report.reportKey}.${n}` },
  ]);
  if (!opened.ok) {
    outcome.verdict = { ...verdict, reasons: [...verdict.reasons, opened.detail] };
    return { outcome, removing: false };
  }
  outcome.incident = opened.incident;
  return { outcome, removing: opened.policy === 'auto' };
}

/**
 * The reporter's answer: true when sent, false when replies are off or the reporter is not ours,
 * or why it failed (recorded on the report; the report is filed already).
 */
async function answerReporter(input: Parameters<Activities['replyToReporter']>[0]): Promise<boolean | string> {
  try {
    return await abuse.replyToReporter.executeWithOptions(
      {
        startToCloseTimeout: '2m',
        retry: { maximumAttempts: 6, nonRetryableErrorTypes: [...retry.nonRetryableErrorTypes, ...PERMANENT_NOTIFICATION_ERRORS] },
        summary: `tell ${plainText(input.reporter, 100)}: ${input.disposition}`,
      },
      [input],
    );
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    return error.cause?.message ?? error.message;
  }
}
