import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { SimEnv } from '../face.js';
import { graphError, graphErrorBody } from './errors.js';
import { operation, type GraphRuntime } from './operation.js';

export const MAX_BATCH_REQUESTS = 20;
/** Outlook runs at most this many of a batch's requests at once. */
const BATCH_PARALLELISM = 4;

const BatchRequest = z.object({
  id: z.string().min(1),
  method: z
    .string()
    .transform((method) => method.toUpperCase())
    .pipe(z.enum(['GET', 'POST', 'PATCH', 'PUT', 'DELETE'])),
  url: z.string().min(1),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
  dependsOn: z.array(z.string()).optional(),
});
type BatchRequest = z.infer<typeof BatchRequest>;

const BatchBody = z.object({ requests: z.array(BatchRequest).min(1) });

interface BatchResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** What makes the whole batch 400, checked before any request runs. */
function batchProblem(requests: BatchRequest[]): string | undefined {
  if (requests.length > MAX_BATCH_REQUESTS) return `The number of requests in a batch must not exceed ${MAX_BATCH_REQUESTS}; this one has ${requests.length}.`;
  const ids = new Set<string>();
  for (const request of requests) {
    if (ids.has(request.id)) return `Request id '${request.id}' is used more than once; ids must be unique within a batch.`;
    ids.add(request.id);
  }
  for (const request of requests) {
    const hasContentType = Object.keys(request.headers ?? {}).some((name) => name.toLowerCase() === 'content-type');
    if (request.body !== undefined && !hasContentType) return `Request '${request.id}' has a body but no Content-Type header.`;
    const unknown = request.dependsOn?.find((id) => !ids.has(id));
    if (unknown !== undefined) return `Request '${request.id}' depends on '${unknown}', which is not in the batch.`;
  }
  if (hasDependencyCycle(requests)) return 'The dependsOn references form a cycle.';
  return undefined;
}

function hasDependencyCycle(requests: BatchRequest[]): boolean {
  const byId = new Map(requests.map((request) => [request.id, request]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string): boolean => {
    if (state.get(id) === 'done') return false;
    if (state.get(id) === 'visiting') return true;
    state.set(id, 'visiting');
    const cyclic = (byId.get(id)!.dependsOn ?? []).some(visit);
    state.set(id, 'done');
    return cyclic;
  };
  return requests.some((request) => visit(request.id));
}

/** Batch responses name headers as Graph does (`Content-Type`, `Retry-After`); the SDK looks them up that way. */
function canonicalHeaderName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_match, dash: string, letter: string) => dash + letter.toUpperCase());
}

/**
 * `POST /v1.0/$batch`, registered on the app that holds the `/v1.0` routes. Each inner request
 * is dispatched to those routes, so it is counted, limited and exposed to faults on its own: one
 * may be throttled while the others succeed. Responses come back in completion order, as Graph
 * does not promise any.
 */
export function registerBatchRoute(app: Hono<SimEnv>, runtime: GraphRuntime): void {
  const execute = async (c: Context<SimEnv>, request: BatchRequest): Promise<BatchResponse> => {
    const headers = new Headers(request.headers);
    headers.set('authorization', c.req.header('authorization') ?? '');
    // Inner urls are relative to the version (`/users/...`); the SDK leaves `/v1.0` on them when built from absolute urls.
    const path = (request.url.startsWith('/') ? request.url : `/${request.url}`).replace(/^\/v1\.0(?=\/)/, '');
    const response = await app.request(path, { method: request.method, headers, ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }) }, c.env);
    const text = await response.text();
    const isJson = response.headers.get('content-type')?.includes('json') ?? false;
    return {
      id: request.id,
      status: response.status,
      headers: Object.fromEntries([...response.headers].map(([name, value]) => [canonicalHeaderName(name), value])),
      ...(text === '' ? {} : { body: isJson ? (JSON.parse(text) as unknown) : text }),
    };
  };

  const failedDependency = (request: BatchRequest, dependency: string): BatchResponse => ({
    id: request.id,
    status: 424,
    headers: { 'Content-Type': 'application/json' },
    body: graphErrorBody('FailedDependency', `Request '${dependency}', which this request depends on, failed.`),
  });

  app.post(
    '/$batch',
    operation(runtime, 'batch', async (c) => {
      const parsed = BatchBody.safeParse(await c.req.json().catch(() => undefined));
      if (!parsed.success) return graphError(c.req.raw, 400, 'BadRequest', 'The batch body must be {"requests": [{"id", "method", "url", ...}]}.');
      const problem = batchProblem(parsed.data.requests);
      if (problem) return graphError(c.req.raw, 400, 'BadRequest', problem);

      const results: BatchResponse[] = [];
      const finished = new Map<string, number>();
      const pending = [...parsed.data.requests];
      const inFlight = new Set<Promise<void>>();
      // Cycles were refused above, so whenever nothing runs some pending request is ready.
      while (pending.length > 0 || inFlight.size > 0) {
        for (const request of [...pending]) {
          if (inFlight.size >= BATCH_PARALLELISM) break;
          const dependsOn = request.dependsOn ?? [];
          if (!dependsOn.every((id) => finished.has(id))) continue;
          pending.splice(pending.indexOf(request), 1);
          const failed = dependsOn.find((id) => finished.get(id)! >= 400);
          if (failed !== undefined) {
            const response = failedDependency(request, failed);
            results.push(response);
            finished.set(request.id, response.status);
            continue;
          }
          const running: Promise<void> = execute(c, request).then((response) => {
            results.push(response);
            finished.set(request.id, response.status);
            inFlight.delete(running);
          });
          inFlight.add(running);
        }
        if (inFlight.size > 0) await Promise.race(inFlight);
      }
      return c.json({ responses: results });
    }),
  );
}
