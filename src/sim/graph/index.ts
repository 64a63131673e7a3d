import { Hono } from 'hono';
import type { Face, SimEnv } from '../face.js';
import { registerBatchRoute } from './batch.js';
import { graphError } from './errors.js';
import { folderRoutes } from './folders.js';
import { groupRoutes } from './groups.js';
import { MailboxLimits, OUTLOOK_MAILBOX_LIMITS, type MailboxLimitOptions } from './limits.js';
import { messageMimeRoutes } from './message-mime.js';
import { messageRoutes } from './messages.js';
import type { GraphRuntime } from './operation.js';
import { tokenRoutes } from './token.js';
import { userRoutes } from './users.js';

export interface GraphFaceOptions {
  mailboxLimits?: Partial<MailboxLimitOptions>;
}

/**
 * Microsoft Graph v1.0 over the simulated tenant: the token endpoint at
 * `/{tenant}/oauth2/v2.0/token` and the directory and mail resources under `/v1.0`.
 */
export function createGraphFace(options: GraphFaceOptions = {}): Face {
  return (ctx) => {
    const limits = () => ({ ...OUTLOOK_MAILBOX_LIMITS, ...options.mailboxLimits, ...ctx.limits.current.graph });
    const runtime: GraphRuntime = { ctx, limits: new MailboxLimits(limits) };

    const api = new Hono<SimEnv>();
    api.use('*', async (c, next) => {
      if (!ctx.tokens.verify(c.req.header('authorization'), 'graph')) {
        return graphError(c.req.raw, 401, 'InvalidAuthenticationToken', 'Access token is empty or was not issued by this tenant.');
      }
      await next();
    });
    api.route('/', userRoutes(runtime));
    api.route('/', groupRoutes(runtime));
    api.route('/', messageRoutes(runtime));
    api.route('/', messageMimeRoutes(runtime));
    api.route('/', folderRoutes(runtime));
    registerBatchRoute(api, runtime);
    // Registered last: reached only when no route above matched, and answered as Graph does.
    api.all('*', (c) => {
      const segment = new URL(c.req.url).pathname.split('/').filter(Boolean).at(-1) ?? '';
      return graphError(c.req.raw, 400, 'BadRequest', `Resource not found for the segment '${segment}'.`);
    });

    const face = new Hono<SimEnv>();
    face.route('/', tokenRoutes(runtime));
    face.route('/v1.0', api);
    return face;
  };
}

/** Graph with Outlook's limits: 4 concurrent requests and 10,000 requests per 10 minutes per mailbox. */
export const graphFace: Face = createGraphFace();
