import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { Hono } from 'hono';
import type { SimEnv } from '../face.js';
import { invalidArgument, notFound } from './errors.js';
import { boundaryOf, headersFromLines, joinMultipart, MultipartError, splitMultipart, splitSection } from './multipart.js';
import { enterOperation, knownErrorResponse, type GmailFaceEnv } from './operation.js';

/** Gmail's limit on the calls of one batch request. */
export const MAX_BATCH_CALLS = 100;

const GMAIL_PATH = '/gmail/v1/';

/** Runs one inner request through the face's own routes, on the outer request's connection. */
export type Dispatch = (request: Request, bindings: SimEnv['Bindings']) => Response | Promise<Response>;

interface InnerCall {
  contentId: string | undefined;
  request: Request;
}

/** What every inner call inherits from the outer request unless it sets its own: all but the Content- headers. */
function inheritedHeaders(outer: Headers): Headers {
  const headers = new Headers();
  for (const [name, value] of outer) if (!name.startsWith('content-') && name !== 'host' && name !== 'transfer-encoding') headers.set(name, value);
  return headers;
}

/** One `application/http` part: its Content-ID, then a request line, headers and a body. */
function innerCall(part: Buffer, origin: string, inherited: Headers): InnerCall {
  const envelope = splitSection(part);
  const http = splitSection(envelope.body);
  const [requestLine = '', ...headerLines] = http.lines;
  const [method, target] = requestLine.split(' ');
  if (!method || !target) throw new MultipartError(`not an HTTP request line: ${requestLine}`);
  const headers = new Headers(inherited);
  for (const [name, value] of headersFromLines(headerLines)) headers.set(name, value);
  // The part's own end is the body's end; a stale Content-Length must not cut it.
  headers.delete('content-length');
  // A call may name the service's host; the simulator serves it on the outer request's origin.
  const url = new URL(target, origin);
  const hasBody = http.body.length > 0 && method !== 'GET' && method !== 'HEAD';
  return {
    contentId: headersFromLines(envelope.lines).get('content-id') ?? undefined,
    request: new Request(new URL(`${url.pathname}${url.search}`, origin), { method, headers, ...(hasBody ? { body: http.body } : {}) }),
  };
}

/** The answer's part: `Content-ID: <response-ID>` for the call's `<ID>`, then the whole HTTP response. */
async function responsePart(call: InnerCall, response: Response): Promise<{ headers: string[]; body: Buffer }> {
  const head = [`HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}`, ...[...response.headers].map(([name, value]) => `${name}: ${value}`)];
  const contentId = call.contentId?.replace(/^<(.*)>$/, '$1');
  return {
    headers: ['Content-Type: application/http', ...(contentId === undefined ? [] : [`Content-ID: <response-${contentId}>`])],
    body: Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), Buffer.from(await response.arrayBuffer())]),
  };
}

/**
 * `POST /batch/gmail/v1`: up to 100 Gmail calls in one multipart/mixed body, answered in one
 * multipart/mixed body, a part per call in the calls' order. Each call goes through the face's
 * routes like any other request, so it is counted, faulted, authorised and charged on its own
 * (the batch itself is `gmail.batch` and costs no quota). A reset or timeout drawn for a call
 * drops or stalls the whole connection, as the calls share it.
 */
export function batchRoutes(env: GmailFaceEnv, dispatch: Dispatch): Hono<SimEnv> {
  const app = new Hono<SimEnv>();

  app.post('/batch/gmail/v1', async (c) => {
    const refused = await enterOperation(env, c, 'gmail.batch');
    if (refused) return refused;
    const boundary = boundaryOf(c.req.header('content-type'), 'mixed');
    if (!boundary) return invalidArgument('A batch request is sent as multipart/mixed with a boundary.');
    try {
      const parts = splitMultipart(Buffer.from(await c.req.arrayBuffer()), boundary);
      if (parts.length > MAX_BATCH_CALLS) return invalidArgument(`Inner request count exceeds the limit. Received: ${parts.length}, Limit: ${MAX_BATCH_CALLS}`);
      const origin = new URL(c.req.url).origin;
      const inherited = inheritedHeaders(c.req.raw.headers);
      const calls = parts.map((part) => innerCall(part, origin, inherited));
      const answers = [];
      // One after another, so quota and one-shot faults meet the calls in the batch's order.
      for (const call of calls) {
        const response = new URL(call.request.url).pathname.startsWith(GMAIL_PATH) ? await dispatch(call.request, c.env) : notFound();
        answers.push(await responsePart(call, response));
      }
      const responseBoundary = `batch_${randomUUID().replaceAll('-', '')}`;
      return c.body(new Uint8Array(joinMultipart(responseBoundary, answers)), 200, { 'Content-Type': `multipart/mixed; boundary=${responseBoundary}` });
    } catch (error) {
      return knownErrorResponse(error);
    }
  });

  return app;
}
