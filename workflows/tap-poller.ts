import { proxyActivities, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { CURSOR_MEMO_KEY, tapSearchAttributes, type TapPollInput, type TapPollOutcome } from './tap-poller-messages.js';

/** Hour-long windows one run fetches while catching up; the next run goes on from the saved cursor. */
const MAX_WINDOWS_PER_RUN = 24;

const tap = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '2m', maximumAttempts: 5, nonRetryableErrorTypes: ['TapAuthRejected', 'TapRequestRejected', 'IntakeNotConfigured', 'TapNotConfigured'] },
});

/**
 * One tick of a TAP source's schedule: fetch the SIEM events since the cursor in the schedule's
 * memo, at most an hour per request (hour after hour when catching up after downtime), start or
 * merge an incident per delivered threat, and surface withdrawn verdicts for an admin to undo.
 */
export async function tapPollWorkflow({ sourceId }: TapPollInput): Promise<TapPollOutcome> {
  const saved = workflowInfo().memo?.[CURSOR_MEMO_KEY];
  const from = typeof saved === 'string' ? saved : undefined;
  const outcome: TapPollOutcome = { sourceId, ...(from ? { from } : {}), windows: 0, delivered: 0, started: 0, merged: 0, invalid: 0, reversals: [] };
  let cursor = from;
  for (let i = 0; i < MAX_WINDOWS_PER_RUN; i++) {
    const window = await tap.pollTapWindow.executeWithOptions(
      { summary: `SIEM events of ${sourceId} since ${cursor ?? 'the first lookback'}` },
      [{ sourceId, ...(cursor ? { cursor } : {}) }],
    );
    cursor = window.cursor;
    outcome.windows++;
    outcome.delivered += window.delivered;
    outcome.started += window.started;
    outcome.merged += window.merged;
    outcome.invalid += window.invalid;
    outcome.reversals.push(...window.reversals);
    if (window.caughtUp) break;
  }
  outcome.cursor = cursor;
  if (outcome.reversals.length > 0) {
    upsertSearchAttributes([{ key: tapSearchAttributes.verdictReversals, value: outcome.reversals.map((r) => r.incidentId) }]);
  }
  setCurrentDetails(
    `**${sourceId}**: ${outcome.windows} window(s) up to ${cursor}, ${outcome.delivered} delivered threat(s), ${outcome.started} incident(s) started, ${outcome.merged} merged` +
      (outcome.reversals.length ? `\n\n**Verdicts withdrawn** for pulled incidents (undo if agreed): ${outcome.reversals.map((r) => `${r.incidentId} (${r.threatStatus})`).join(', ')}` : ''),
  );
  return outcome;
}
