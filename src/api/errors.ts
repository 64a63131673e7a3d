import { z } from 'zod';

export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export function errorBody(code: string, message: string, issues?: { path: string; message: string }[]): ErrorBody {
  return { error: { code, message, ...(issues ? { issues } : {}) } };
}

/** Response entries for the OpenAPI description of the errors every route may return. */
export function errorResponses(...statuses: (400 | 401 | 403 | 404 | 409 | 413 | 503)[]) {
  const descriptions = {
    400: 'invalid request: the issues name each bad field',
    401: 'missing or unknown bearer key',
    403: 'the key lacks the right for this route',
    404: 'no such incident',
    409: 'the incident refuses the request in its current state',
    413: 'request body over the size limit',
    503: 'Temporal cannot be reached',
  } as const;
  return Object.fromEntries(
    statuses.map((s) => [s, { description: descriptions[s], content: { 'application/json': { schema: ErrorBody } } }]),
  );
}
