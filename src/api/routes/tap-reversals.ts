import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { ListedReversal } from '../../sources/tap-reversals.js';
import type { ApiDeps, ApiEnv } from '../env.js';
import { errorBody, errorResponses } from '../errors.js';

const listReversals = createRoute({
  method: 'get',
  path: '/v1/sources/{id}/reversals',
  summary: "Verdicts TAP withdrew (falsePositive, cleared) for messages Clawback had pulled, as the source's poll runs found them, newest first",
  description: 'Nothing is undone by itself: an admin reviews each and undoes the incidents they agree with (`POST /v1/incidents/{id}/undo`).',
  security: [{ bearer: [] }],
  request: {
    params: z.object({ id: z.string().min(1).max(63).describe('a TAP source that polls the SIEM API') }),
    query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }).strict(),
  },
  responses: {
    200: { description: 'the reversals', content: { 'application/json': { schema: z.object({ source: z.string(), reversals: z.array(ListedReversal) }) } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

export function tapReversalRoutes(deps: ApiDeps, app: OpenAPIHono<ApiEnv>) {
  const { tapReversals } = deps;
  if (!tapReversals) return app;
  app.use(listReversals.getRoutingPath(), deps.auth.require('incidents:admin'));
  return app.openapi(listReversals, async (c) => {
    const { id } = c.req.valid('param');
    const source = deps.sources.get(id)?.config;
    // The OpenAPI route types only the success body; the refusal is described by errorResponses.
    if (source?.type !== 'tap' || !source.poll) return c.json(errorBody('not-found', `no polling TAP source ${id}`), 404) as never;
    return c.json({ source: id, reversals: await tapReversals.list(id, c.req.valid('query').limit) }, 200);
  });
}
