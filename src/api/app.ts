import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { IncidentNotFound, IncidentRefused } from '../incidents/client.js';
import { log } from '../log.js';
import type { ApiDeps, ApiEnv } from './env.js';
import { errorBody } from './errors.js';
import { issuesOf } from '../domain/issues.js';
import { alertRoutes } from './routes/alerts.js';
import { incidentRoutes } from './routes/incidents.js';
import { IMPORT_UPLOAD_PATH, importRoutes } from './routes/imports.js';
import { reportRoutes } from './routes/reports.js';
import { tapReversalRoutes } from './routes/tap-reversals.js';

/** The HTTP API: validation at the edge, one call into the incident client per route. */
export function createApp(deps: ApiDeps) {
  const app = new OpenAPIHono<ApiEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return c.json(errorBody('invalid-request', 'the request does not match the schema', issuesOf(result.error)), 400);
    },
  });

  const limit = bodyLimit({
    maxSize: deps.bodyLimitBytes,
    onError: (c) => c.json(errorBody('payload-too-large', `request body over ${deps.bodyLimitBytes} bytes`), 413),
  });
  app.use('/v1/*', (c, next) => (IMPORT_UPLOAD_PATH.test(c.req.path) ? next() : limit(c, next)));

  app.get('/healthz', async (c) =>
    (await deps.temporalReachable())
      ? c.json({ status: 'ok' }, 200)
      : c.json(errorBody('temporal-unreachable', 'Temporal cannot be reached'), 503),
  );

  alertRoutes(deps, app);
  incidentRoutes(deps, app);
  importRoutes(deps, app);
  reportRoutes(deps, app);
  tapReversalRoutes(deps, app);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Clawback', version: '1', description: 'Pull malicious email back out of mailboxes, with audit and undo.' },
  });

  app.notFound((c) => c.json(errorBody('not-found', `no route ${c.req.method} ${c.req.path}`), 404));
  app.onError((error, c) => {
    if (error instanceof IncidentNotFound) return c.json(errorBody('not-found', error.message), 404);
    if (error instanceof IncidentRefused) return c.json(errorBody('refused', error.message), 409);
    if (error instanceof HTTPException) return c.json(errorBody('bad-request', error.message), error.status);
    log.error({ err: error, path: c.req.path }, 'request failed');
    return c.json(errorBody('internal', 'internal error'), 500);
  });
  return app;
}
