import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, proxyActivities, setCurrentDetails, startChild, WorkflowIdReusePolicy } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { PERMANENT_PROVIDER_ERRORS } from '../src/providers/errors.js';
import { reportWorkflow } from './report.js';
import { plainText } from './report-details.js';
import { reportSearchAttributes, reportWorkflowId, type AbusePollInput, type AbusePollOutcome, type WaitingReport } from './report-messages.js';

const abuse = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5, nonRetryableErrorTypes: [...PERMANENT_PROVIDER_ERRORS, 'AbuseMailboxNotConfigured'] },
});

/**
 * One tick of an abuse mailbox's schedule: list the reports waiting in it and start one workflow
 * per report. The report's workflow id is derived from the report itself, so a report met again
 * by a later poll (still being handled, or handled and not yet filed away) is never handled twice;
 * only a report whose handling failed is tried again.
 */
export async function abusePollWorkflow({ abuseMailbox }: AbusePollInput): Promise<AbusePollOutcome> {
  const waiting = await abuse.listWaitingReports.executeWithOptions(
    { summary: `list the reports waiting in ${abuseMailbox}` },
    [{ abuseMailbox }],
  );
  const outcome: AbusePollOutcome = { abuseMailbox, waiting: waiting.length, started: 0, skipped: 0, refiled: 0 };
  const inHand: WaitingReport[] = [];
  for (const report of waiting) {
    try {
      await startChild(reportWorkflow, {
        workflowId: reportWorkflowId(abuseMailbox, report.reportKey),
        args: [{ abuseMailbox, report }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        // A report's handling outlives the poll that found it.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: [{ key: reportSearchAttributes.abuseMailbox, value: abuseMailbox }],
        staticSummary: `report from ${plainText(report.from ?? 'an unknown sender', 100)}: ${plainText(report.subject ?? '(no subject)', 150)}`,
      });
      outcome.started++;
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      outcome.skipped++;
      inHand.push(report);
    }
  }
  if (inHand.length > 0) {
    outcome.refiled = await abuse.fileHandledReports.executeWithOptions(
      { summary: `file ${inHand.length} report(s) met again` },
      [{ abuseMailbox, reports: inHand }],
    );
  }
  setCurrentDetails(`**${abuseMailbox}**: ${outcome.waiting} report(s) waiting, ${outcome.started} started, ${outcome.skipped} already handled or in hand (${outcome.refiled} of them handled before and filed again)`);
  return outcome;
}
