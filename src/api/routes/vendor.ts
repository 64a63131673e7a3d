import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { bodyLimit } from 'hono/body-limit';
import type { AlertFormat } from '../../domain/alert.js';
import type { ParsedBody } from '../../sources/candidate.js';
import { FireEyeAlert, parseFireEyeBody } from '../../sources/fireeye.js';
import { TapClick, TapMessage, parseTapBody } from '../../sources/tap-events.js';
import type { ApiDeps, ApiEnv } from '../env.js';
import { errorBody } from '../errors.js';
import { acceptedResponse, intake, intakeResponses, type IntakeDeps } from './intake.js';

interface VendorFormat {
  type: AlertFormat;
  summary: string;
  schema: z.ZodType;
  parse: (body: unknown) => ParsedBody;
  /** Under the API's global limit: what the format's largest sensible body needs. */
  bodyLimitBytes?: number;
}

const FORMATS: VendorFormat[] = [
  {
    type: 'tap',
    summary: 'Proofpoint TAP SIEM events: `{messagesDelivered, clicksPermitted}` (one result per record) or one record',
    schema: z.union([
      z.object({ messagesDelivered: z.array(TapMessage).optional(), clicksPermitted: z.array(TapClick).optional() }),
      TapMessage,
      TapClick,
    ]),
    parse: parseTapBody,
  },
  {
    type: 'fireeye',
    summary: 'FireEye / Trellix EX email alerts: `{alert: {…}}` or `{alert: [...]}`, plain or `{"value"}`-wrapped',
    schema: z.object({ alert: z.union([FireEyeAlert, z.array(FireEyeAlert)]) }),
    parse: parseFireEyeBody,
    bodyLimitBytes: 512 * 1024,
  },
];

/** `POST /v1/sources/:id/<format>`: the key must be the source's own, and the source of that type. */
export function vendorRoutes(deps: ApiDeps, app: OpenAPIHono<ApiEnv>, intakeDeps: IntakeDeps) {
  for (const format of FORMATS) {
    app.openAPIRegistry.registerPath(
      createRoute({
        method: 'post',
        path: `/v1/sources/{id}/${format.type}`,
        summary: format.summary,
        security: [{ bearer: [] }],
        request: { params: z.object({ id: z.string() }), body: { required: true, content: { 'application/json': { schema: format.schema } } } },
        responses: { 202: acceptedResponse('incidents started or merged'), ...intakeResponses },
      }),
    );
    const limit = format.bodyLimitBytes;
    app.post(
      `/v1/sources/:id/${format.type}`,
      limit
        ? bodyLimit({ maxSize: limit, onError: (c) => c.json(errorBody('payload-too-large', `request body over ${limit} bytes`), 413) })
        : async (_c, next) => next(),
      deps.auth.require('alerts:submit'),
      (c) => {
        const principal = c.get('principal');
        const source = deps.sources.get(c.req.param('id'));
        if (!source || principal.id !== source.config.id) return c.json(errorBody('forbidden', `key "${principal.id}" is not source ${c.req.param('id')}`), 403);
        if (source.config.type !== format.type) return c.json(errorBody('forbidden', `source ${source.config.id} is of type ${source.config.type}, not ${format.type}`), 403);
        return intake(c, intakeDeps, source, format.parse, format.type);
      },
    );
  }
}
