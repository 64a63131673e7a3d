import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { ApproveRequest, IncidentStateView, RepullRequest, StateView, UndoRequest } from '../../domain/incident.js';
import type { IncidentSnapshot } from '../../incidents/client.js';
import { incidentIdFromPath, incidentWorkflowId } from '../../domain/ids.js';
import type { ApiDeps, ApiEnv } from '../env.js';
import { errorResponses } from '../errors.js';
import { auditCsv, auditJsonLines } from '../audit-export.js';
import { forwardGraphSvg } from '../../incidents/forward-graph.js';

const IncidentView = IncidentStateView.extend({
  workflowId: z.string(),
  runId: z.string(),
  links: z.object({ self: z.string(), temporalUi: z.string() }),
});

const IdParam = z.object({ id: z.string().min(1).max(200).describe('incident id or its workflow id') });

const readIncident = createRoute({
  method: 'get',
  path: '/v1/incidents/{id}',
  summary: 'The incident: status, counts, residual exposure, and pages of its copies (provenance, result) and audit trail',
  security: [{ bearer: [] }],
  request: { params: IdParam, query: StateView },
  responses: {
    200: { description: 'the incident', content: { 'application/json': { schema: IncidentView } } },
    ...errorResponses(401, 403, 404),
  },
});

function adminRoute(action: 'approve' | 'undo' | 'repull', summary: string, body: typeof ApproveRequest | typeof UndoRequest) {
  return createRoute({
    method: 'post',
    path: `/v1/incidents/{id}/${action}`,
    summary,
    security: [{ bearer: [] }],
    request: { params: IdParam, body: { required: false, content: { 'application/json': { schema: body } } } },
    responses: {
      200: { description: 'the incident after the action', content: { 'application/json': { schema: IncidentView } } },
      ...errorResponses(400, 401, 403, 404, 409, 413),
    },
  });
}

const exportAudit = createRoute({
  method: 'get',
  path: '/v1/incidents/{id}/audit',
  summary: 'The audit trail: every action and provider mutation, as JSON lines (default) or CSV',
  security: [{ bearer: [] }],
  request: {
    params: IdParam,
    query: z.object({ format: z.enum(['jsonl', 'csv']).default('jsonl') }),
  },
  responses: {
    200: {
      description: 'one entry per line (JSON lines) or per row (CSV, formulas escaped)',
      content: { 'application/x-ndjson': { schema: z.string() }, 'text/csv': { schema: z.string() } },
    },
    ...errorResponses(400, 401, 403, 404),
  },
});

const forwardGraph = createRoute({
  method: 'get',
  path: '/v1/incidents/{id}/graph.svg',
  summary: 'The forward graph as SVG: who received the message and how, each mailbox coloured by its copies\' status',
  security: [{ bearer: [] }],
  request: { params: IdParam },
  responses: {
    200: { description: 'an SVG picture', content: { 'image/svg+xml': { schema: z.string() } } },
    ...errorResponses(401, 403, 404),
  },
});

const resendNotification = createRoute({
  method: 'post',
  path: '/v1/incidents/{id}/notifications/{n}/resend',
  summary: 'Send a notification that failed after its retries again: the same event, with the same idempotency key',
  security: [{ bearer: [] }],
  request: {
    params: IdParam.extend({ n: z.coerce.number().int().min(0).describe("the notification's `n` in the incident's `notifications`") }),
    body: { required: false, content: { 'application/json': { schema: ApproveRequest } } },
  },
  responses: {
    200: { description: 'the incident, the notification sending again', content: { 'application/json': { schema: IncidentView } } },
    ...errorResponses(400, 401, 403, 404, 409, 413),
  },
});

const approveIncident = adminRoute('approve', 'Approve a pull that policy held for approval', ApproveRequest);
const undoIncident = adminRoute('undo', 'Put the pulled copies (of every mailbox, or of those listed) back in their original folders', UndoRequest);
const repullIncident = adminRoute('repull', 'Pull again what an undo put back (every undone mailbox, or those listed)', RepullRequest);

export function incidentRoutes(deps: ApiDeps, app: OpenAPIHono<ApiEnv>) {
  const view = (requestUrl: string, { state, runId }: IncidentSnapshot): z.infer<typeof IncidentView> => {
    const workflowId = incidentWorkflowId(state.incidentId);
    return {
      ...state,
      workflowId,
      runId,
      links: {
        self: new URL(`/v1/incidents/${state.incidentId}`, requestUrl).toString(),
        temporalUi: `${deps.temporalUiUrl}/namespaces/${encodeURIComponent(deps.namespace)}/workflows/${workflowId}/${runId}/history`,
      },
    };
  };

  app.use(readIncident.getRoutingPath(), deps.auth.require('incidents:read'));
  app.use(exportAudit.getRoutingPath(), deps.auth.require('incidents:read'));
  app.use(forwardGraph.getRoutingPath(), deps.auth.require('incidents:read'));
  app.use(approveIncident.getRoutingPath(), deps.auth.require('incidents:admin'));
  app.use(undoIncident.getRoutingPath(), deps.auth.require('incidents:admin'));
  app.use(repullIncident.getRoutingPath(), deps.auth.require('incidents:admin'));
  app.use(resendNotification.getRoutingPath(), deps.auth.require('incidents:admin'));

  return app
    .openapi(readIncident, async (c) => {
      const snapshot = await deps.incidents.state(incidentIdFromPath(c.req.valid('param').id), c.req.valid('query'));
      return c.json(view(c.req.url, snapshot), 200);
    })
    .openapi(exportAudit, async (c) => {
      const state = await deps.incidents.fullState(incidentIdFromPath(c.req.valid('param').id));
      const csv = c.req.valid('query').format === 'csv';
      return c.body(csv ? auditCsv(state.incidentId, state.audit) : auditJsonLines(state.incidentId, state.audit), 200, {
        'content-type': csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
        'content-disposition': `attachment; filename="${state.incidentId}-audit.${csv ? 'csv' : 'jsonl'}"`,
      });
    })
    .openapi(forwardGraph, async (c) => {
      const state = await deps.incidents.fullState(incidentIdFromPath(c.req.valid('param').id));
      return c.body(await forwardGraphSvg(state), 200, { 'content-type': 'image/svg+xml; charset=utf-8' });
    })
    .openapi(approveIncident, async (c) => {
      const reason = c.req.valid('json')?.reason;
      const snapshot = await deps.incidents.approve(c.req.valid('param').id, { actor: c.get('principal').id, reason });
      return c.json(view(c.req.url, snapshot), 200);
    })
    .openapi(undoIncident, async (c) => {
      const snapshot = await deps.incidents.undo(c.req.valid('param').id, { actor: c.get('principal').id, ...c.req.valid('json') });
      return c.json(view(c.req.url, snapshot), 200);
    })
    .openapi(repullIncident, async (c) => {
      const snapshot = await deps.incidents.repull(c.req.valid('param').id, { actor: c.get('principal').id, ...c.req.valid('json') });
      return c.json(view(c.req.url, snapshot), 200);
    })
    .openapi(resendNotification, async (c) => {
      const { id, n } = c.req.valid('param');
      const snapshot = await deps.incidents.resendNotification(id, { actor: c.get('principal').id, notification: n, reason: c.req.valid('json')?.reason });
      return c.json(view(c.req.url, snapshot), 200);
    });
}
