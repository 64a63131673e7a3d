/**
 * Messages as raw MIME, as Graph serves them: `GET …/messages/{id}/$value` exports one, and a
 * base64 MIME body sent with `Content-Type: text/plain` to a messages collection creates one.
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { SimEnv } from '../face.js';
import { mimeOf } from '../mime.js';
import { messageFieldsOf } from '../mime-fields.js';
import { graphError } from './errors.js';
import { graphMessage, messageEntityContext, preferenceHeaders, preferredIdType } from './message-resource.js';
import { messageOperation, operation, routeParam, type GraphRuntime } from './operation.js';
import { requireFolder, requireMailbox } from './resolve.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The bytes of a base64 body, or undefined when it is not base64 (Node's own decoder would skip what it cannot read). */
function decodeBase64(body: string): Buffer | undefined {
  const compact = body.replace(/\s+/g, '');
  return BASE64.test(compact) && compact.length % 4 === 0 ? Buffer.from(compact, 'base64') : undefined;
}

export function messageMimeRoutes(runtime: GraphRuntime): Hono<SimEnv> {
  const { ctx } = runtime;
  const app = new Hono<SimEnv>();

  // Graph labels the export text/plain, whatever the message's own Content-Type.
  app.get(
    '/users/:user/messages/:id/$value',
    messageOperation(runtime, 'messages.mime', async (c, { message }) => c.body(new Uint8Array(await mimeOf(message)), 200, { 'Content-Type': 'text/plain' })),
  );

  /**
   * Graph makes every message created from MIME a draft, read, wherever it is created: the MIME
   * carries no MAPI flags, and they cannot be changed afterwards. Only MIME is taken here, so a
   * JSON body is refused with a 400 that says so.
   */
  const create = async (c: Context<SimEnv>, folderRef: string) => {
    const tenant = ctx.tenant.current;
    const mailbox = requireMailbox(tenant, routeParam(c, 'user'));
    const folder = requireFolder(tenant, mailbox.id, folderRef);
    if (!/^text\/plain\s*(;|$)/i.test(c.req.header('content-type') ?? '')) {
      return graphError(c.req.raw, 400, 'ErrorInvalidRequest', 'Messages are created here from MIME only: send the message base64-encoded with Content-Type: text/plain.');
    }
    const raw = decodeBase64(await c.req.text());
    if (!raw) return graphError(c.req.raw, 400, 'ErrorMimeContentInvalidBase64String', 'Invalid base64 string for MIME content.');
    const created = tenant.importMessage(mailbox.id, folder.id, await messageFieldsOf(raw, mailbox), { mime: raw, isRead: true, isDraft: true });
    const idType = preferredIdType(c.req.header('prefer'));
    return c.json({ '@odata.context': messageEntityContext(ctx.baseUrl(), mailbox.id), ...graphMessage(created, idType) }, 201, preferenceHeaders(idType));
  };

  app.post('/users/:user/messages', operation(runtime, 'messages.create', (c) => create(c, 'drafts'), 'mailbox'));
  app.post('/users/:user/mailFolders/:folder/messages', operation(runtime, 'mailFolders.messages.create', (c) => create(c, routeParam(c, 'folder')), 'mailbox'));

  return app;
}
