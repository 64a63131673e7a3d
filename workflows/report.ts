import { ActivityFailure, proxyActivities, setCurrentDetails, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { worstDisposition } from '../src/domain/report.js';
import { PERMANENT_NOTIFICATION_ERRORS } from '../src/notify/errors.js';
import { PERMANENT_PROVIDER_ERRORS } from '../src/providers/errors.js';
import { reportDetails } from './report-details.js';
import { REPORT_MEMO_KEY, reportSearchAttributes, type OriginalOutcome, type ReportInput, type ReportMemo, type ReportOutcome } from './report-messages.js';

const retry = {
  initialInterval: '2s',
  backoffCoefficient: 2,
  maximumInterval: '2m',
  maximumAttempts: 10,
  nonRetryableErrorTypes: [...PERMANENT_PROVIDER_ERRORS, 'AbuseMailboxNotConfigured'],
};
const abuse = proxyActivities<Activities>({ startToCloseTimeout: '5m', retry });

/**
 * One user report, from the abuse mailbox to its folder: read it, recover the reported
 * message(s), judge each, open (or join) the incident of each malicious one, answer the reporter
 * and file the report away. Each step is an activity with a summary, so the Temporal UI shows
 * where a report is and why it ended as it did.
 */
export async function reportWorkflow({ abuseMailbox, report }: ReportInput): Promise<ReportOutcome> {
  const memo: ReportMemo = { abuseMailbox, ...(report.from ? { reporter: report.from } : {}), ...(report.subject ? { subject: report.subject } : {}), ...(report.receivedAt ? { receivedAt: report.receivedAt } : {}) };
  upsertMemo({ [REPORT_MEMO_KEY]: memo });
  setCurrentDetails(`Reading the report from ${report.from ?? 'an unknown sender'}`);

  const parsed = await abuse.readReport.executeWithOptions(
    { startToCloseTimeout: '5m', retry, summary: `read and parse the report "${report.subject ?? ''}"` },
    [{ abuseMailbox, itemId: report.itemId }],
  );
  const reporter = parsed.reporter ?? report.from;
  const originals: OriginalOutcome[] = [];
  for (const [n, original] of parsed.originals.entries()) {
    const label = original.subject ?? original.messageId ?? `message ${n + 1}`;
    const located = original.messageId
      ? undefined
      : await abuse.locateOriginal.executeWithOptions(
          { startToCloseTimeout: '5m', retry, summary: `find "${label}" in the reporter's mailbox` },
          [{ original, reporter }],
        );
    const messageId = original.messageId ?? located?.messageId;
    if (!messageId) {
      originals.push({ original, verdict: { disposition: 'unknown', reasons: [located?.detail ?? 'the report names no Message-ID and no reporter mailbox to look in'] } });
      continue;
    }
    const identified = { ...original, messageId };
    const tally = reporter
      ? await abuse.countReporter.executeWithOptions({ startToCloseTimeout: '1m', retry, summary: `count who reported ${messageId}` }, [
          { messageId, reporter, reportKey: report.reportKey },
        ])
      : { distinctReporters: 0, reporters: [] };
    const verdict = await abuse.judgeOriginal.executeWithOptions({ startToCloseTimeout: '1m', retry, summary: `judge ${messageId}` }, [
      { original: identified, distinctReporters: tally.distinctReporters },
    ]);
    const outcome: OriginalOutcome = { original: identified, verdict, ...(located ? { located: located.detail } : {}) };
    if (verdict.disposition === 'malicious') {
      const opened = await abuse.openIncidentForReport.executeWithOptions({ startToCloseTimeout: '1m', retry, summary: `open or join the incident of ${messageId}` }, [
        { abuseMailbox, original: identified, reporter, verdict, alertKey: `${report.reportKey}.${n}` },
      ]);
      if (opened.ok) outcome.incident = opened.incident;
      else outcome.verdict = { ...verdict, reasons: [...verdict.reasons, opened.detail] };
    }
    originals.push(outcome);
  }

  const disposition = worstDisposition(originals.map((o) => o.verdict.disposition));
  const needsAnalyst = originals.length === 0 || originals.some((o) => !o.original.messageId || (o.verdict.disposition === 'malicious' && !o.incident));
  const replied = reporter ? await answerReporter({ abuseMailbox, reporter, reportKey: report.reportKey, reportMessageId: parsed.messageId, reportSubject: parsed.subject ?? report.subject, disposition, originals }) : false;
  const filedIn = await abuse.fileReport.executeWithOptions(
    { startToCloseTimeout: '2m', retry: { ...retry, maximumAttempts: 30 }, summary: needsAnalyst ? 'keep the report for an analyst' : 'file the report as processed' },
    [{ abuseMailbox, itemId: report.itemId, reportMessageId: parsed.messageId, needsAnalyst }],
  );

  const outcome: ReportOutcome = { abuseMailbox, reportKey: report.reportKey, ...(reporter ? { reporter } : {}), ...(parsed.subject ? { subject: parsed.subject } : {}), disposition, needsAnalyst, originals, problems: parsed.problems, replied: replied === true, ...(typeof replied === 'string' ? { replyFailed: replied } : {}), filedIn };
  upsertMemo({
    [REPORT_MEMO_KEY]: {
      ...memo,
      ...(reporter ? { reporter } : {}),
      disposition,
      needsAnalyst,
      replied: outcome.replied,
      ...(outcome.replyFailed ? { replyFailed: outcome.replyFailed } : {}),
      incidentIds: originals.flatMap((o) => (o.incident ? [o.incident.incidentId] : [])),
      originals: originals.map(({ original, verdict }) => ({ messageId: original.messageId, subject: original.subject, from: original.from, disposition: verdict.disposition, reasons: verdict.reasons })),
    } satisfies ReportMemo,
  });
  const messageIds = originals.flatMap((o) => (o.original.messageId ? [o.original.messageId] : []));
  upsertSearchAttributes([
    { key: reportSearchAttributes.disposition, value: disposition },
    ...(messageIds.length > 0 ? [{ key: reportSearchAttributes.reportedMessageIds, value: messageIds }] : []),
  ]);
  setCurrentDetails(reportDetails(outcome, workflowInfo().workflowId));
  return outcome;
}

/**
 * The reporter's answer: true when sent, false when replies are off, or why it failed. A reply
 * that cannot be sent never keeps the report from being filed (it would be handled again and
 * again); the failure is recorded on the report instead.
 */
async function answerReporter(input: Parameters<Activities['replyToReporter']>[0]): Promise<boolean | string> {
  try {
    return await abuse.replyToReporter.executeWithOptions(
      { startToCloseTimeout: '2m', retry: { ...retry, maximumAttempts: 6, nonRetryableErrorTypes: [...retry.nonRetryableErrorTypes, ...PERMANENT_NOTIFICATION_ERRORS] }, summary: `tell ${input.reporter}: ${input.disposition}` },
      [input],
    );
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    return error.cause?.message ?? error.message;
  }
}
