import type { Context } from 'hono';
import { z } from 'zod';
import type { SimEnv } from '../face.js';
import { invalidArgument } from './errors.js';
import type { MessageFormat } from './wire.js';

const Format = z.enum(['minimal', 'metadata', 'full', 'raw']).default('full');

/** A JSON body through its schema, or Gmail's 400 naming the first problem. */
export async function parseBody<T extends z.ZodType>(c: Context<SimEnv>, schema: T): Promise<z.infer<T> | Response> {
  return parseJson(await c.req.text(), schema);
}

/** JSON text through its schema; text that is not JSON fails the schema like a missing body. */
export function parseJson<T extends z.ZodType>(text: string, schema: T): z.infer<T> | Response {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (!issue) return invalidArgument('Invalid request body');
  return invalidArgument(issue.path.length > 0 ? `Invalid value at '${issue.path.join('.')}': ${issue.message}` : issue.message);
}

/** `format` and `metadataHeaders` of messages.get and threads.get. */
export function formatOf(c: Context<SimEnv>): { format: MessageFormat; metadataHeaders: string[] } | Response {
  const format = Format.safeParse(c.req.query('format'));
  if (!format.success) return invalidArgument(`Invalid value at 'format' (${c.req.query('format')})`);
  return { format: format.data, metadataHeaders: listParameter(c.req.queries('metadataHeaders')) };
}

/** A query parameter that may be repeated (`a=1&a=2`) or comma-joined (`a=1,2`). */
export function listParameter(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((value) => value.split(',')).map((value) => value.trim()).filter((value) => value.length > 0);
}

/** A parameter of the route's path; the routes declare it, so it is never absent when this runs. */
export function pathParameter(c: Context<SimEnv>, name: string): string {
  return c.req.param(name) ?? '';
}
