import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineUpdate } from '@temporalio/workflow';
import type { IncidentStatus } from '../src/domain/incident.js';
import type { Disposition, ReportedOriginal, Verdict } from '../src/domain/report.js';

/** One tick of an abuse mailbox's schedule. */
export interface AbusePollInput {
  abuseMailbox: string;
}

/** A report waiting in the abuse mailbox; `reportKey` names its workflow for good. */
export interface WaitingReport {
  itemId: string;
  reportKey: string;
  subject?: string;
  from?: string;
  receivedAt?: string;
}

export interface AbusePollOutcome {
  abuseMailbox: string;
  waiting: number;
  started: number;
  /** Already being handled, or handled before. */
  skipped: number;
  /** Of those, handled before and filed again now. */
  refiled: number;
}

export interface ReportInput {
  abuseMailbox: string;
  report: WaitingReport;
}

/** The reported message found in the reporter's own mailbox (indicators read from that copy), or why not. */
export interface Confirmation {
  original?: ReportedOriginal & { messageId: string };
  detail: string;
}

/** The verdict, and the incident about the message if there is one. */
export interface Judgement {
  verdict: Verdict;
  incident?: { incidentId: string; status: IncidentStatus };
}

/** What became of one message a report carried. */
export interface OriginalOutcome {
  original: ReportedOriginal;
  verdict: Verdict;
  /** Whether, and how, the message was found in the reporter's mailbox. */
  confirmation: string;
  /** The incident this report opened or joined, or the one already about the message. */
  incident?: { incidentId: string; status: 'started' | 'merged' | 'existing' };
}

export interface ReportOutcome {
  abuseMailbox: string;
  reportKey: string;
  reporter?: string;
  subject?: string;
  disposition: Disposition;
  /** True when an original could not be recovered or acted on: the report waits for an analyst. */
  needsAnalyst: boolean;
  originals: OriginalOutcome[];
  problems: string[];
  replied: boolean;
  /** Why the reporter could not be answered, when they could not. */
  replyFailed?: string;
  filedIn: string;
}

/** The memo a report workflow carries, which `GET /v1/reports` lists without querying each one. */
export const REPORT_MEMO_KEY = 'report';

export interface ReportMemo {
  abuseMailbox: string;
  reporter?: string;
  subject?: string;
  receivedAt?: string;
  disposition?: Disposition;
  needsAnalyst?: boolean;
  replied?: boolean;
  replyFailed?: string;
  incidentIds?: string[];
  originals?: { messageId?: string; subject?: string; from?: string; disposition: Disposition; reasons: string[] }[];
}

export const reportSearchAttributes = {
  abuseMailbox: defineSearchAttributeKey('ClawbackAbuseMailbox', SearchAttributeType.KEYWORD),
  disposition: defineSearchAttributeKey('ClawbackReportDisposition', SearchAttributeType.KEYWORD),
  reportedMessageIds: defineSearchAttributeKey('ClawbackReportedMessageIds', SearchAttributeType.KEYWORD_LIST),
} as const;

/** The tally of who reported one message, kept while reports of it keep coming. */
export interface ReportedMessageInput {
  messageId: string;
  /** The tally ends this long after the last report. */
  windowMs: number;
  /** The tally so far, when an earlier run continued as new. */
  carried?: { reporters: string[]; reports: string[] };
}

export interface ReporterAdded {
  reporter: string;
  reportKey: string;
}

export interface ReporterTally {
  distinctReporters: number;
  /** The first reporters, for the verdict's reasons. */
  reporters: string[];
}

export const addReporterUpdate = defineUpdate<ReporterTally, [ReporterAdded]>('addReporter');

export function abuseScheduleId(abuseMailbox: string): string {
  return `abuse-poll-${abuseMailbox}`;
}

export function reportWorkflowId(abuseMailbox: string, reportKey: string): string {
  return `report-${abuseMailbox}-${reportKey}`;
}

export function reportedMessageWorkflowId(incidentId: string): string {
  return `reported-${incidentId}`;
}
