import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { incidentIdFor } from '../src/domain/ids.js';
import { log } from '../src/log.js';
import { tapMessageCandidate } from '../src/sources/tap-events.js';
import { TapAuthRejected, TapRequestRejected, TapSiemClient, TapUnavailable, type TapWindow } from '../src/sources/tap-poller-client.js';
import { saveTapCursor } from '../src/sources/tap-poller-schedule.js';
import { copiesHeld } from '../src/sources/tap-reversals.js';
import type { TapWindowResult, VerdictReversal } from '../workflows/tap-poller-messages.js';
import { requireIntake, type IntakeDeps } from './intake.js';

const HOUR = 3600_000;
/** TAP serves at most 7 days back; a cursor older than that starts again at the oldest minute it serves. */
const MAX_AGE = 7 * 24 * HOUR - 60_000;
/** TAP gives no Retry-After; a throttled poll waits this long before the next attempt. */
const THROTTLED_RETRY = '1m';

export interface PollTapWindowInput {
  sourceId: string;
  /** Where the last request ended; absent on the very first poll. */
  cursor?: string;
}

export function createTapActivities(deps: IntakeDeps | undefined) {
  return {
    /**
     * One SIEM request of at most an hour from the cursor: delivered threats start or merge
     * incidents, withdrawn verdicts of pulled messages are reported, and the new cursor is saved
     * in the schedule before this returns (a retry after that repeats nothing TAP would not dedupe).
     */
    async pollTapWindow({ sourceId, cursor }: PollTapWindowInput): Promise<TapWindowResult> {
      const { polls, incidentsFor, policyFor } = requireIntake(deps);
      const config = polls.get(sourceId);
      if (!config) throw ApplicationFailure.nonRetryable(`source ${sourceId} is not a polling TAP source`, 'TapNotConfigured');
      const now = Date.now();
      let from = cursor ? Date.parse(cursor) : now - config.firstLookbackMs;
      if (from < now - MAX_AGE) {
        log.warn({ event: 'tap.gap', source: sourceId, cursor, resumedAt: new Date(now - MAX_AGE).toISOString() }, 'TAP cursor older than TAP keeps events: some events may be lost');
        from = now - MAX_AGE;
      }
      const catchingUp = now - from > HOUR;
      const window: TapWindow = catchingUp ? { interval: [new Date(from), new Date(from + HOUR)] } : { sinceTime: new Date(from) };

      const siem = await TapSiemClient.open(sourceId, config);
      let body: Record<string, unknown>;
      try {
        body = await siem.all(window);
      } catch (error) {
        if (error instanceof TapUnavailable) throw ApplicationFailure.create({ message: error.message, type: error.name, nextRetryDelay: THROTTLED_RETRY });
        if (error instanceof TapAuthRejected || error instanceof TapRequestRejected) throw ApplicationFailure.nonRetryable(error.message, error.name);
        // A dropped connection or an unreadable answer passes: the activity's retry policy tries again.
        throw error;
      } finally {
        await siem.close();
      }
      // TAP ends a sinceTime request at its own time rounded to the minute, which may be before the cursor.
      const end = catchingUp ? from + HOUR : typeof body.queryEndTime === 'string' ? Date.parse(body.queryEndTime) : Math.floor(now / 60_000) * 60_000;
      const next = new Date(Math.max(from, end)).toISOString();

      const incidents = incidentsFor(Context.current().client);
      const result: TapWindowResult = { cursor: next, caughtUp: !catchingUp, delivered: 0, started: 0, merged: 0, invalid: 0, reversals: [] };
      const records = Array.isArray(body.messagesDelivered) ? (body.messagesDelivered as unknown[]) : [];
      for (const [i, record] of records.entries()) {
        const candidate = tapMessageCandidate(record, `messagesDelivered.${i}`);
        if (!candidate.ok) {
          result.invalid++;
          log.warn({ event: 'tap.invalid_event', source: sourceId, issues: candidate.issues }, 'TAP event not usable as an alert');
          continue;
        }
        const { alert } = candidate;
        const status = alert.threat.status ?? 'active';
        if (status === 'active') {
          const submitted = await incidents.submitAlert(alert, sourceId, policyFor(sourceId, alert));
          result.delivered++;
          result[submitted.status]++;
          continue;
        }
        const incidentId = incidentIdFor(alert.messageId);
        const copiesPulled = await copiesHeld(incidents, incidentId);
        if (copiesPulled === 0) continue;
        const entry: VerdictReversal = { incidentId, copiesPulled, messageId: alert.messageId, threatStatus: status, ...(alert.alertId ? { alertId: alert.alertId } : {}) };
        result.reversals.push(entry);
        log.warn({ event: 'tap.verdict_reversed', source: sourceId, ...entry }, 'TAP withdrew its verdict on a pulled message: an admin may undo the incident');
      }
      await saveTapCursor(Context.current().client, sourceId, next);
      return result;
    },
  };
}
