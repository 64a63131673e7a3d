import { allHandlersFinished, condition, setHandler } from '@temporalio/workflow';
import { addReporterUpdate, type ReportedMessageInput, type ReporterTally } from './report-messages.js';

/** Reporters named in the verdict's reasons; the count covers them all. */
const NAMED_REPORTERS = 20;

/**
 * Who reported one message: each report adds its reporter (update-with-start), and learns how
 * many distinct people have reported it. A report counted twice (a retried activity) counts once.
 * The tally ends when no report has come for `windowMs`.
 */
export async function reportedMessageWorkflow({ windowMs }: ReportedMessageInput): Promise<ReporterTally> {
  const reporters = new Set<string>();
  const reports = new Set<string>();
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
    await condition(() => lastReport !== seen, windowMs);
  }
  await condition(allHandlersFinished);
  return tally();
}
