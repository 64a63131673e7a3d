import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { z } from 'zod';
import { ConfigId } from '../config/id.js';
import { Disposition } from '../domain/report.js';
import { canonicalMessageId } from '../domain/message-id.js';
import { REPORT_MEMO_KEY, type ReportMemo } from '../../workflows/report-messages.js';
import { reportWorkflow } from '../../workflows/report.js';

export const ReportFilter = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  mailbox: ConfigId.optional().describe('an abuse mailbox id'),
  disposition: Disposition.optional(),
  messageId: z.string().min(3).max(998).regex(/^<?[^<>\s'"\\]+>?$/, 'a Message-ID').optional().describe('reports of this message'),
});
export type ReportFilter = z.infer<typeof ReportFilter>;

export const ReportSummary = z.object({
  workflowId: z.string(),
  runId: z.string(),
  status: z.string().describe('running, completed, failed, …'),
  startedAt: z.string(),
  closedAt: z.string().optional(),
  abuseMailbox: z.string(),
  reporter: z.string().optional(),
  subject: z.string().optional(),
  receivedAt: z.string().optional(),
  disposition: Disposition.optional(),
  needsAnalyst: z.boolean().optional(),
  replied: z.boolean().optional(),
  replyFailed: z.string().optional().describe('why the reporter could not be answered'),
  incidents: z.array(z.object({ incidentId: z.string(), self: z.string() })),
  originals: z.array(z.object({ messageId: z.string().optional(), subject: z.string().optional(), from: z.string().optional(), disposition: Disposition, reasons: z.array(z.string()) })),
  temporalUi: z.string(),
});
export type ReportSummary = z.infer<typeof ReportSummary>;

/** Recent reports, newest first, from Temporal's visibility store: each report workflow carries its outcome in its memo. */
export class ReportClient {
  constructor(
    private readonly client: Client,
    private readonly links: { temporalUiUrl: string; namespace: string; publicUrl: string },
  ) {}

  async list(filter: ReportFilter): Promise<ReportSummary[]> {
    const conditions = [`WorkflowType = '${reportWorkflow.name}'`];
    if (filter.mailbox) conditions.push(`ClawbackAbuseMailbox = '${filter.mailbox}'`);
    if (filter.disposition) conditions.push(`ClawbackReportDisposition = '${filter.disposition}'`);
    // The filter's pattern keeps quotes and backslashes out of the query.
    if (filter.messageId) conditions.push(`ClawbackReportedMessageIds = '${canonicalMessageId(filter.messageId)}'`);
    const reports: ReportSummary[] = [];
    for await (const execution of this.client.workflow.list({ query: conditions.join(' AND '), pageSize: filter.limit })) {
      reports.push(this.summary(execution));
      if (reports.length >= filter.limit) break;
    }
    return reports;
  }

  private summary(execution: WorkflowExecutionInfo): ReportSummary {
    const memo = (execution.memo?.[REPORT_MEMO_KEY] ?? {}) as Partial<ReportMemo>;
    return {
      workflowId: execution.workflowId,
      runId: execution.runId,
      status: execution.status.name.toLowerCase(),
      startedAt: execution.startTime.toISOString(),
      ...(execution.closeTime ? { closedAt: execution.closeTime.toISOString() } : {}),
      abuseMailbox: memo.abuseMailbox ?? '',
      ...(memo.reporter ? { reporter: memo.reporter } : {}),
      ...(memo.subject ? { subject: memo.subject } : {}),
      ...(memo.receivedAt ? { receivedAt: memo.receivedAt } : {}),
      ...(memo.disposition ? { disposition: memo.disposition } : {}),
      ...(memo.needsAnalyst !== undefined ? { needsAnalyst: memo.needsAnalyst } : {}),
      ...(memo.replied !== undefined ? { replied: memo.replied } : {}),
      ...(memo.replyFailed ? { replyFailed: memo.replyFailed } : {}),
      incidents: (memo.incidentIds ?? []).map((incidentId) => ({ incidentId, self: new URL(`/v1/incidents/${incidentId}`, this.links.publicUrl).toString() })),
      originals: memo.originals ?? [],
      temporalUi: `${this.links.temporalUiUrl}/namespaces/${encodeURIComponent(this.links.namespace)}/workflows/${encodeURIComponent(execution.workflowId)}/${execution.runId}/history`,
    };
  }
}
