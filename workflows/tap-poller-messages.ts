import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** A verdict TAP withdrew (`falsePositive`, `cleared`) for a message Clawback had already pulled. */
export interface VerdictReversal {
  incidentId: string;
  messageId: string;
  threatStatus: 'falsePositive' | 'cleared';
  /** TAP's event id. */
  alertId?: string;
  copiesPulled: number;
}

export interface TapPollInput {
  sourceId: string;
}

/** One SIEM request's worth of work, as the poll activity reports it. */
export interface TapWindowResult {
  /** Where the next request starts (persisted in the schedule's memo before this returns). */
  cursor: string;
  /** True when the cursor is within the last hour: no older window is left to fetch. */
  caughtUp: boolean;
  delivered: number;
  started: number;
  merged: number;
  invalid: number;
  reversals: VerdictReversal[];
}

export interface TapPollOutcome {
  sourceId: string;
  from?: string;
  cursor?: string;
  windows: number;
  delivered: number;
  started: number;
  merged: number;
  invalid: number;
  reversals: VerdictReversal[];
}

/** The memo key of the TAP schedule's action that carries the cursor from one run to the next. */
export const CURSOR_MEMO_KEY = 'cursor';

/** Poll runs that surfaced withdrawn verdicts: `ClawbackVerdictReversals = "<incident id>"` lists them. */
export const tapSearchAttributes = {
  verdictReversals: defineSearchAttributeKey('ClawbackVerdictReversals', SearchAttributeType.KEYWORD_LIST),
} as const;

export function tapScheduleId(sourceId: string): string {
  return `tap-poll-${sourceId}`;
}
