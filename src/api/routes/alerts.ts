import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { Alert } from '../../domain/alert.js';
import type { ApiDeps, ApiEnv } from '../env.js';
import { errorResponses } from '../errors.js';

export const AlertAccepted = z.object({
  incidentId: z.string(),
  workflowId: z.string(),
  status: z.enum(['started', 'merged']).describe('merged: the message already has a running incident'),
});

const submitAlert = createRoute({
  method: 'post',
  path: '/v1/alerts',
  summary: 'Submit an alert about a delivered malicious message',
  security: [{ bearer: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: Alert } } } },
  responses: {
    202: { description: 'incident started, or the alert merged into the running one', content: { 'application/json': { schema: AlertAccepted } } },
    ...errorResponses(400, 401, 403, 413),
  },
});

export function alertRoutes(deps: ApiDeps, app: OpenAPIHono<ApiEnv>) {
  app.use(submitAlert.getRoutingPath(), deps.auth.require('alerts:submit'));
  return app.openapi(submitAlert, async (c) => {
    const principal = c.get('principal');
    const accepted = await deps.incidents.submitAlert(c.req.valid('json'), principal.id, principal.policy ?? 'auto');
    return c.json(accepted, 202);
  });
}
