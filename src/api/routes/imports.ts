import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import { ImportRejected, ImportTooLarge } from '../../sources/csv-import.js';
import { ImportUnknown } from '../../sources/csv-spool.js';
import { ImportCounts, RowResult } from '../../sources/csv-results.js';
import type { ApiDeps, ApiEnv } from '../env.js';
import { multipartField, MultipartUnreadable } from '../multipart-file.js';
import { errorBody, errorResponses } from '../errors.js';

/** Uploads stream to disk, so the API's JSON body limit does not apply to them (the import has its own). */
export const IMPORT_UPLOAD_PATH = /^\/v1\/sources\/[^/]+\/imports\/?$/;

const ImportAccepted = z.object({
  importId: z.string(),
  workflowId: z.string(),
  rows: z.number().int().describe('data rows read, invalid ones included'),
  invalid: z.number().int(),
});

const ImportView = z.object({
  importId: z.string(),
  workflowId: z.string(),
  source: z.string(),
  status: z.enum(['submitting', 'settling', 'done']),
  rows: z.number().int(),
  chunks: z.number().int(),
  chunksSubmitted: z.number().int(),
  chunksSettled: z.number().int(),
  incidentsStarted: z.number().int(),
  incidentsMerged: z.number().int(),
  counts: ImportCounts,
  results: z.array(RowResult),
  page: z.object({ offset: z.number().int(), limit: z.number().int(), available: z.number().int().describe('rows with a result so far') }),
});

const startImport = createRoute({
  method: 'post',
  path: '/v1/sources/{id}/imports',
  summary: 'Bulk cleanup: a CSV or message-trace (SmartSearch) export, one incident per message and a result per row',
  description: 'Send the file as the body (`text/csv`) or as the `file` field of a `multipart/form-data` upload.',
  security: [{ bearer: [] }],
  request: {
    params: z.object({ id: z.string().min(1).max(63).describe('the source the file comes from (its key authenticates)') }),
    body: { required: true, content: { 'text/csv': { schema: z.string() } } },
  },
  responses: {
    202: { description: 'spooled; the cleanup workflow runs', content: { 'application/json': { schema: ImportAccepted } } },
    ...errorResponses(400, 401, 403, 413),
  },
});

const readImport = createRoute({
  method: 'get',
  path: '/v1/imports/{id}',
  summary: 'An import: progress, counts per result, and a page of per-row results',
  security: [{ bearer: [] }],
  request: {
    params: z.object({ id: z.string().min(1).max(64) }),
    query: z.object({ offset: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(5000).default(1000) }).strict(),
  },
  responses: {
    200: { description: 'the import', content: { 'application/json': { schema: ImportView } } },
    ...errorResponses(400, 401, 403, 404),
  },
});

/**
 * An error answer. The OpenAPI route types only the success body, so refusals (described by
 * `errorResponses`) leave the handler's type through `never`.
 */
function refuse(c: Context, status: 400 | 403 | 404 | 413, code: string, message: string): never {
  return c.json(errorBody(code, message), status) as never;
}

/** The CSV of an upload, streamed: the body itself, or the `file` field of a multipart form. */
async function csvBody(c: Context): Promise<AsyncIterable<Uint8Array> | undefined> {
  const type = c.req.header('content-type') ?? '';
  const body = c.req.raw.body;
  if (!body) return undefined;
  if (type.toLowerCase().startsWith('multipart/form-data')) return multipartField(body, type, 'file');
  return body as unknown as AsyncIterable<Uint8Array>;
}

export function importRoutes(deps: ApiDeps, app: OpenAPIHono<ApiEnv>) {
  const { imports } = deps;
  if (!imports) return app;
  app.use(startImport.getRoutingPath(), deps.auth.require('alerts:submit'));
  app.use(readImport.getRoutingPath(), deps.auth.require('incidents:read'));

  app.openapi(startImport, async (c) => {
    const principal = c.get('principal');
    const { id } = c.req.valid('param');
    if (principal.id !== id) return refuse(c, 403, 'forbidden', `key "${principal.id}" may not import for source "${id}"`);
    try {
      const body = await csvBody(c);
      if (!body) return refuse(c, 400, 'invalid-request', 'send the CSV as a text/csv body or as the "file" field of a multipart form');
      return c.json(await imports.start(id, body), 202);
    } catch (error) {
      if (error instanceof ImportRejected || error instanceof MultipartUnreadable) return refuse(c, 400, 'invalid-request', error.message);
      if (error instanceof ImportTooLarge) return refuse(c, 413, 'payload-too-large', error.message);
      throw error;
    }
  });

  return app.openapi(readImport, async (c) => {
    const principal = c.get('principal');
    const { offset, limit } = c.req.valid('query');
    const { id } = c.req.valid('param');
    const unknown = () => refuse(c, 404, 'not-found', `no import ${id}`);
    try {
      const view = await imports.view(id, offset, limit);
      // A source sees its own imports only; another's is as good as absent.
      return principal.kind === 'source' && view.source !== principal.id ? unknown() : c.json(view, 200);
    } catch (error) {
      if (error instanceof ImportUnknown) return unknown();
      throw error;
    }
  });
}
