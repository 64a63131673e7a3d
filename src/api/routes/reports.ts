import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { ReportFilter, ReportSummary } from '../../reports/client.js';
import type { ApiDeps, ApiEnv } from '../env.js';
import { errorResponses } from '../errors.js';

const listReports = createRoute({
  method: 'get',
  path: '/v1/reports',
  summary: 'Recent abuse-mailbox reports, newest first: reporter, disposition and why, incident links',
  security: [{ bearer: [] }],
  request: { query: ReportFilter },
  responses: {
    200: { description: 'the reports', content: { 'application/json': { schema: z.object({ reports: z.array(ReportSummary) }) } } },
    ...errorResponses(400, 401, 403),
  },
});

export function reportRoutes(deps: ApiDeps, app: OpenAPIHono<ApiEnv>) {
  const reports = deps.reports;
  if (!reports) return app;
  app.use(listReports.getRoutingPath(), deps.auth.require('reports:read'));
  return app.openapi(listReports, async (c) => c.json({ reports: await reports.list(c.req.valid('query')) }, 200));
}
