import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { bodyLimit } from 'hono/body-limit';
import { TrapAlert, parseTrapBody } from '../../sources/trap-json.js';
import type { ApiDeps, ApiEnv } from '../env.js';
import { errorBody } from '../errors.js';
import { acceptedResponse, intake, intakeResponses, type IntakeDeps } from './intake.js';

/** One TRAP JSON alert is a few kilobytes; this leaves room for a long summary and custom fields. */
export const TRAP_BODY_LIMIT = 256 * 1024;

const trapEvent = createRoute({
  method: 'post',
  path: '/threat/json_event/events/{routeId}',
  summary: "A TRAP-compatible JSON alert (2.0); the URL's route id is the credential, a bearer key also works",
  request: {
    params: z.object({ routeId: z.string().describe("the source's routeId: a secret, never logged") }),
    body: { required: true, content: { 'application/json': { schema: TrapAlert } } },
  },
  responses: { 202: acceptedResponse('incident started, or the alert merged into the running one'), ...intakeResponses },
});

/**
 * SOAR connectors that speak TRAP's JSON alert source send no Authorization header: the long
 * random id in the URL is what authenticates them, so it is compared in constant time like a key
 * and kept out of logs (errors name the route, never the path).
 */
export function trapRoutes(deps: ApiDeps, app: OpenAPIHono<ApiEnv>, intakeDeps: IntakeDeps) {
  app.openAPIRegistry.registerPath(trapEvent);
  app.post(
    '/threat/json_event/events/:routeId',
    bodyLimit({
      maxSize: TRAP_BODY_LIMIT,
      onError: (c) => c.json(errorBody('payload-too-large', `request body over ${TRAP_BODY_LIMIT} bytes`), 413),
    }),
    (c) => {
      // A header, when sent, must hold a valid key: a misconfigured client hears so instead of riding on the URL.
      const authorization = c.req.header('authorization');
      const bearer = authorization === undefined ? undefined : deps.auth.identify(authorization);
      const source = authorization === undefined ? deps.sources.byRouteId(c.req.param('routeId')) : bearer?.kind === 'source' ? deps.sources.get(bearer.id) : undefined;
      if (bearer?.kind === 'admin') return c.json(errorBody('forbidden', `key "${bearer.id}" is not an alert source`), 403);
      if (!source) {
        c.header('WWW-Authenticate', 'Bearer');
        return c.json(errorBody('unauthorized', 'unknown route id, and no valid bearer key'), 401);
      }
      if (source.config.type !== 'trap') return c.json(errorBody('forbidden', `source ${source.config.id} does not send TRAP alerts`), 403);
      return intake(c, intakeDeps, source, parseTrapBody, 'trap');
    },
  );
}
