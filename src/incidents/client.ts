import { createHash } from 'node:crypto';
import {
  WorkflowClient,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import type { Alert } from '../domain/alert.js';
import { incidentIdFor, incidentIdFromPath, incidentWorkflowId } from '../domain/ids.js';
import type { Config } from '../config/schema.js';
import { IncidentOptions, strictestPolicy, type IncidentState, type IncidentStateView, type Policy, type StateView } from '../domain/incident.js';
import { incidentWorkflow } from '../../workflows/incident.js';
import { alertSignal, approveUpdate, repullUpdate, resendNotificationUpdate, searchAttributes, stateQuery, undoUpdate, type AdminAction, type ResendAction } from '../../workflows/messages.js';
import { incidentLog } from '../log.js';
import { reportingStarts, startedBy } from './signal-with-start.js';

export class IncidentNotFound extends Error {
  constructor(readonly incidentId: string) {
    super(`no incident ${incidentId}`);
    this.name = 'IncidentNotFound';
  }
}

/** The incident exists but refuses the request in its current state (e.g. undo twice). */
export class IncidentRefused extends Error {
  constructor(
    readonly incidentId: string,
    message: string,
  ) {
    super(message);
    this.name = 'IncidentRefused';
  }
}

export interface SubmittedAlert {
  incidentId: string;
  workflowId: string;
  status: 'started' | 'merged';
}

/** Copies or audit entries per query when reading a whole incident: well under a query's size limit. */
const FULL_PAGE = 5000;

/** An incident's state and the workflow run that holds it (the Temporal UI links to runs). */
export interface IncidentSnapshot {
  state: IncidentStateView;
  runId: string;
}

export interface IncidentClientOptions {
  client: Client;
  taskQueue: string;
  defaults: IncidentOptions;
  /** The API's public base URL: incidents link to themselves from the Temporal UI. */
  publicUrl?: string;
  /** Tenants whose own policy is stricter than a source's apply it to alerts that reach their domains. */
  tenantPolicies?: { domains: string[]; policy: Policy }[];
}

/** The client side of the incident workflow: everything the API and CLI do to incidents. */
export class IncidentClient {
  /** The workflow client alerts go through: its connection keeps the service's `started` answer. */
  private readonly signaller: WorkflowClient;

  constructor(private readonly options: IncidentClientOptions) {
    this.signaller = new WorkflowClient({ connection: reportingStarts(options.client.connection), namespace: options.client.options.namespace });
  }

  /**
   * `forConfig` once per Temporal client: a worker's activities all get the same client, and
   * asking for the incident client on every call would rebuild it each time.
   */
  static perClient(config: Config): (client: Client) => IncidentClient {
    const built = new WeakMap<Client, IncidentClient>();
    return (client) => {
      let incidents = built.get(client);
      if (!incidents) built.set(client, (incidents = IncidentClient.forConfig(client, config)));
      return incidents;
    };
  }

  /** The client the API runs with: the config's task queue, incident defaults and tenant policies. */
  static forConfig(client: Client, config: Config): IncidentClient {
    return new IncidentClient({
      client,
      taskQueue: config.temporal.taskQueue,
      // Reports in an abuse mailbox are forwards of the message; the report workflow files them, no incident pulls them.
      defaults: IncidentOptions.parse({ ...config.incident, excludedMailboxes: [...(config.incident.excludedMailboxes ?? []), ...config.abuse.mailboxes.map((m) => m.address)] }),
      publicUrl: config.api.publicUrl,
      tenantPolicies: config.tenants.flatMap((tenant) => (tenant.policy ? [{ domains: tenant.domains, policy: tenant.policy }] : [])),
    });
  }

  /**
   * Starts the incident for the alert's message, or merges the alert into the one running.
   * Signal-with-start makes this one atomic call whoever wins a race between two alerts.
   */
  async submitAlert(alert: Alert, source: string, sourcePolicy: Policy): Promise<SubmittedAlert> {
    const policy = strictestPolicy([sourcePolicy, ...this.tenantPoliciesFor(alert.recipients)]);
    const incidentId = incidentIdFor(alert.messageId);
    const workflowId = incidentWorkflowId(incidentId);
    const alertKey = alertKeyOf(alert, source);
    const started = await startedBy(() =>
      this.signaller.signalWithStart(incidentWorkflow, {
        workflowId,
        taskQueue: this.options.taskQueue,
        workflowIdConflictPolicy: 'USE_EXISTING',
        args: [{ incidentId, alert, alertKey, source, policy, options: this.options.defaults, ...this.linksFor(incidentId) }],
        signal: alertSignal,
        signalArgs: [{ alert, source, alertKey }],
        typedSearchAttributes: [
          { key: searchAttributes.status, value: policy === 'approval' ? 'awaiting-approval' : 'pulling' },
          { key: searchAttributes.sender, value: alert.sender },
          { key: searchAttributes.messageId, value: alert.messageId },
          { key: searchAttributes.source, value: source },
        ],
        staticSummary: `Pull ${alert.messageId} from ${alert.sender}`,
        staticDetails: [
          `**${alert.threat.classification}** alert from source \`${source}\`, policy \`${policy}\``,
          `Subject: ${alert.subject ?? '(none)'}`,
          `Recipients: ${alert.recipients.length}`,
        ].join('\n\n'),
      }),
    );
    const status = started ? 'started' : 'merged';
    incidentLog(incidentId).info({ event: 'alert', source, status, workflowId }, 'alert accepted');
    return { incidentId, workflowId, status };
  }

  private linksFor(incidentId: string): { links?: { incident: string; graph: string } } {
    if (!this.options.publicUrl) return {};
    const incident = new URL(`/v1/incidents/${incidentId}`, this.options.publicUrl).toString();
    return { links: { incident, graph: `${incident}/graph.svg` } };
  }

  private tenantPoliciesFor(recipients: string[]): Policy[] {
    const domains = new Set(recipients.map((address) => address.slice(address.lastIndexOf('@') + 1).toLowerCase()));
    return (this.options.tenantPolicies ?? []).filter((tenant) => tenant.domains.some((domain) => domains.has(domain))).map((tenant) => tenant.policy);
  }

  /**
   * The incident with the requested pages of copies and audit entries. A closed incident is
   * answered too: a worker replays its history to run the query.
   */
  async state(idOrWorkflowId: string, view: Partial<StateView> = {}): Promise<IncidentSnapshot> {
    const incidentId = incidentIdFromPath(idOrWorkflowId);
    const handle = this.options.client.workflow.getHandle(incidentWorkflowId(incidentId));
    try {
      const { runId } = await handle.describe();
      return { state: await handle.query(stateQuery, view), runId };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new IncidentNotFound(incidentId);
      throw error;
    }
  }

  /** The incident's status and counts (one copy and audit entry at most): one query, no run id. */
  summary(idOrWorkflowId: string): Promise<IncidentStateView> {
    return this.query(idOrWorkflowId, { copiesLimit: 1, auditLimit: 1 });
  }

  private async query(idOrWorkflowId: string, view: Partial<StateView>): Promise<IncidentStateView> {
    const incidentId = incidentIdFromPath(idOrWorkflowId);
    try {
      return await this.options.client.workflow.getHandle(incidentWorkflowId(incidentId)).query(stateQuery, view);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new IncidentNotFound(incidentId);
      throw error;
    }
  }

  /** Every copy and audit entry, page after page: for exports and the forward graph. */
  async fullState(idOrWorkflowId: string): Promise<IncidentState> {
    const state = await this.query(idOrWorkflowId, { copiesLimit: FULL_PAGE, auditLimit: FULL_PAGE });
    const { pages, ...rest } = state;
    const copies = [...state.copies];
    const audit = [...state.audit];
    while (copies.length < pages.copies.total || audit.length < pages.audit.total) {
      const next = await this.query(idOrWorkflowId, { copiesOffset: copies.length, copiesLimit: FULL_PAGE, auditOffset: audit.length, auditLimit: FULL_PAGE });
      if (next.copies.length === 0 && next.audit.length === 0) break;
      copies.push(...next.copies);
      audit.push(...next.audit);
    }
    return { ...rest, copies, audit };
  }

  approve(idOrWorkflowId: string, action: AdminAction): Promise<IncidentSnapshot> {
    return this.update(idOrWorkflowId, (handle) => handle.executeUpdate(approveUpdate, { args: [action] }));
  }

  undo(idOrWorkflowId: string, action: AdminAction): Promise<IncidentSnapshot> {
    return this.update(idOrWorkflowId, (handle) => handle.executeUpdate(undoUpdate, { args: [action] }));
  }

  repull(idOrWorkflowId: string, action: AdminAction): Promise<IncidentSnapshot> {
    return this.update(idOrWorkflowId, (handle) => handle.executeUpdate(repullUpdate, { args: [action] }));
  }

  resendNotification(idOrWorkflowId: string, action: ResendAction): Promise<IncidentSnapshot> {
    return this.update(idOrWorkflowId, (handle) => handle.executeUpdate(resendNotificationUpdate, { args: [action] }));
  }

  private async update(
    idOrWorkflowId: string,
    send: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<IncidentStateView>,
  ): Promise<IncidentSnapshot> {
    const incidentId = incidentIdFromPath(idOrWorkflowId);
    const handle = this.options.client.workflow.getHandle(incidentWorkflowId(incidentId));
    let description: Awaited<ReturnType<typeof handle.describe>>;
    try {
      description = await handle.describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new IncidentNotFound(incidentId);
      throw error;
    }
    if (description.status.name !== 'RUNNING') throw new IncidentRefused(incidentId, 'the incident is closed; it no longer accepts changes');
    try {
      return { state: await send(handle), runId: description.runId };
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) {
        throw new IncidentRefused(incidentId, error.cause?.message ?? error.message);
      }
      if (error instanceof WorkflowNotFoundError) throw new IncidentRefused(incidentId, 'the incident closed meanwhile');
      throw error;
    }
  }
}

/** A re-sent alert (same source, same alert id or same content) is recognised as one. */
export function alertKeyOf(alert: Alert, source: string): string {
  if (alert.alertId) return `${source}:${alert.alertId}`;
  const digest = createHash('sha256')
    .update(JSON.stringify({ ...alert, recipients: [...alert.recipients].sort() }))
    .digest('hex')
    .slice(0, 16);
  return `${source}:${digest}`;
}
