import { randomUUID } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { SimEnv } from '../face.js';
import { messageFromMime } from '../mime.js';
import { googleError, invalidArgument } from './errors.js';
import { labelModelOf } from './labels.js';
import { boundaryOf, headersFromLines, splitMultipart, splitSection } from './multipart.js';
import { gmailMethod, type GmailFaceEnv } from './operation.js';
import type { GmailMethod } from './quota.js';
import { parseBody, parseJson } from './request.js';
import { messageResource } from './wire.js';

/** The fields of a Message resource insert and import read; Gmail sets the rest. */
const MessageUpload = z.object({ raw: z.string().optional(), labelIds: z.array(z.string()).default([]) });
const InternalDateSource = z.enum(['receivedTime', 'dateHeader']);
type InternalDateSource = z.infer<typeof InternalDateSource>;

/** Google decodes `raw` as protobuf bytes, which take either base64 alphabet. */
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

interface Upload {
  mime: Buffer;
  labelIds: string[];
}

/** `POST /gmail/v1/...`: the message base64-encoded in `raw`, beside its `labelIds`. */
async function jsonUpload(c: Context<SimEnv>): Promise<Upload | Response> {
  const resource = await parseBody(c, MessageUpload);
  if (resource instanceof Response) return resource;
  if (!resource.raw) return invalidArgument("'raw' RFC822 payload message string or uploading message via /upload/* URL required");
  if (!BASE64.test(resource.raw)) {
    return invalidArgument(`Invalid value at 'message.raw' (TYPE_BYTES), Base64 decoding failed for "${resource.raw.slice(0, 40)}"`);
  }
  return { mime: Buffer.from(resource.raw, 'base64'), labelIds: resource.labelIds };
}

/** Insert and import take `message/*` media only. */
function refusedMediaType(contentType: string | null | undefined): Response | undefined {
  if (/^message\//i.test(contentType ?? '')) return undefined;
  return googleError(400, 'badContent', `Media type '${contentType ?? ''}' is not supported. Valid media types: [message/*]`);
}

/**
 * `POST /upload/gmail/v1/...`, as googleapis sends a call with `media`: `uploadType=media` is the
 * message alone; `uploadType=multipart` is multipart/related with the resource as JSON, then
 * the message.
 */
async function mediaUpload(c: Context<SimEnv>): Promise<Upload | Response> {
  const uploadType = c.req.query('uploadType');
  const body = Buffer.from(await c.req.arrayBuffer());
  if (uploadType === 'media') return refusedMediaType(c.req.header('content-type')) ?? { mime: body, labelIds: [] };
  if (uploadType !== 'multipart') return invalidArgument(`Invalid value at 'upload_type' (${uploadType ?? ''})`);
  const boundary = boundaryOf(c.req.header('content-type'), 'related');
  if (!boundary) return invalidArgument('A multipart upload is sent as multipart/related with a boundary.');
  const [metadata, media, ...extra] = splitMultipart(body, boundary).map(splitSection);
  if (!metadata || !media || extra.length > 0) return invalidArgument('A multipart upload has one metadata part and one media part.');
  const resource = parseJson(metadata.body.toString('utf8'), MessageUpload);
  if (resource instanceof Response) return resource;
  return refusedMediaType(headersFromLines(media.lines).get('content-type')) ?? { mime: media.body, labelIds: resource.labelIds };
}

/**
 * Stores the uploaded message in the user's mailbox under the labels given. Everything is
 * checked (labels, MIME) before anything is stored, so a refused call leaves no trace.
 */
function storeUpload(env: GmailFaceEnv, method: Extract<GmailMethod, 'messages.insert' | 'messages.import'>, defaultDateSource: InternalDateSource) {
  return gmailMethod(env, method, async (c, mailbox) => {
    const dateSource = InternalDateSource.safeParse(c.req.query('internalDateSource') ?? defaultDateSource);
    if (!dateSource.success) return invalidArgument(`Invalid value at 'internal_date_source' (${c.req.query('internalDateSource')})`);
    const upload = c.req.path.startsWith('/upload/') ? await mediaUpload(c) : await jsonUpload(c);
    if (upload instanceof Response) return upload;
    // Gmail gives a message without a Message-ID one of its own.
    const fields = await messageFromMime(upload.mime, () => `<${randomUUID()}@mail.gmail.com>`);
    const receivedAt = dateSource.data === 'dateHeader' ? fields.date : new Date(env.now()).toISOString();
    const tenant = env.ctx.tenant.current;
    const labels = labelModelOf(tenant);
    const message = labels.insert(mailbox.id, upload.labelIds, ({ folderId, isRead }) =>
      tenant.importMessage(mailbox.id, folderId, fields, { isRead, receivedAt, mime: upload.mime }),
    );
    return c.json(await messageResource(message, labels.labelIds(message), 'minimal'));
  });
}

/**
 * users.messages.insert (stored as given, like IMAP APPEND; dated when received by default) and
 * users.messages.import (delivery as by SMTP; dated by its Date header by default). The
 * simulator classifies no spam, so the two differ only in that default.
 */
export function insertRoutes(env: GmailFaceEnv): Hono<SimEnv> {
  const app = new Hono<SimEnv>();
  const routes = [
    ['messages', storeUpload(env, 'messages.insert', 'receivedTime')],
    ['messages/import', storeUpload(env, 'messages.import', 'dateHeader')],
  ] as const;
  for (const [path, handler] of routes) {
    app.post(`/gmail/v1/users/:userId/${path}`, handler);
    app.post(`/upload/gmail/v1/users/:userId/${path}`, handler);
  }
  return app;
}
