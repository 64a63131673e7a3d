import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { addReporterUpdate, type ReportedMessageInput, type ReporterTally } from './report-messages.js';

/** Reporters named in the verdict's reasons; the count covers them all. */
const NAMED_REPORTERS = 20;

/**
 * Who reported one message: each report adds its reporter (update-with-start), and learns how
 * many distinct people have reported it. A report counted twice (a retried activity) counts once.
 * The tally ends when no report has come for `windowMs`; a campaign reported by thousands
 * continues as new with the tally when Temporal suggests it.
 */
export async function reportedMessageWorkflow(input: ReportedMessageInput): Promise<ReporterTally> {
  const reporters = new Set<string>(input.carried?.reporters);
  const reports = new Set<string>(input.carried?.reports);
  let lastReport = 0;
  const tally = (): ReporterTally => ({ distinctReporters: reporters.size, reporters: [...reporters].slice(0, NAMED_REPORTERS) });
  setHandler(addReporterUpdate, ({ reporter, reportKey }) => {
    lastReport++;
    if (!reports.has(reportKey)) {
      reports.add(reportKey);
      reporters.add(reporter.toLowerCase());
    }
    return tally();
  });
  for (let seen = -1; seen !== lastReport; ) {
    seen = lastReport;
    await condition(() => lastReport !== seen || (workflowInfo().continueAsNewSuggested && allHandlersFinished()), input.windowMs);
    if (workflowInfo().continueAsNewSuggested && allHandlersFinished()) {
      await continueAsNew<typeof reportedMessageWorkflow>({ ...input, carried: { reporters: [...reporters], reports: [...reports] } });
    }
  }
  await condition(allHandlersFinished);
  return tally();
}
