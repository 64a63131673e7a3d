import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { Alert } from '../../domain/alert.js';
import { parseClawbackBody } from '../../sources/clawback.js';
import type { ApiDeps, ApiEnv } from '../env.js';
import { errorBody } from '../errors.js';
import { RateLimiter } from '../rate-limit.js';
import { acceptedResponse, intake, intakeResponses } from './intake.js';
import { trapRoutes } from './trap.js';
import { vendorRoutes } from './vendor.js';

// Documented with the schemas, validated by hand: a batch answers per alert, and unknown fields are tolerated.
const submitAlert = createRoute({
  method: 'post',
  path: '/v1/alerts',
  summary: 'Submit an alert (or an array of alerts) about a delivered malicious message',
  security: [{ bearer: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: z.union([Alert, z.array(Alert)]) } } } },
  responses: { 202: acceptedResponse('incident started, or the alert merged into the running one'), ...intakeResponses },
});

/** Alert intake: Clawback JSON here, the vendor formats beside it. One rate limiter for them all. */
export function alertRoutes(deps: ApiDeps, app: OpenAPIHono<ApiEnv>) {
  const intakeDeps = { incidents: deps.incidents, limiter: new RateLimiter() };
  app.openAPIRegistry.registerPath(submitAlert);
  app.post('/v1/alerts', deps.auth.require('alerts:submit'), (c) => {
    const source = deps.sources.get(c.get('principal').id);
    if (!source) return c.json(errorBody('forbidden', 'not a configured source'), 403);
    return intake(c, intakeDeps, source, parseClawbackBody, 'alerts');
  });
  trapRoutes(deps, app, intakeDeps);
  vendorRoutes(deps, app, intakeDeps);
  return app;
}
