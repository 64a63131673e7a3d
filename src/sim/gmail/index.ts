import { Hono } from 'hono';
import type { Face, SimEnv } from '../face.js';
import { issueToken } from './auth.js';
import { batchRoutes } from './batch.js';
import { directoryRoutes } from './directory.js';
import { insertRoutes } from './insert.js';
import { labelRoutes } from './label-routes.js';
import { messageRoutes } from './messages.js';
import { enterOperation, type GmailFaceEnv } from './operation.js';
import { DEFAULT_QUOTA, QuotaLedger, type QuotaOptions } from './quota.js';
import { threadRoutes } from './threads.js';

export type { GmailMethod, QuotaOptions } from './quota.js';

export interface GmailFaceOptions {
  /** Overrides of Gmail's per-user quota; costs not named keep Google's values. */
  quota?: Partial<Omit<QuotaOptions, 'costs'>> & { costs?: Partial<QuotaOptions['costs']> };
  /** The face's clock (quota window, token expiry), so tests can move time. */
  now?: () => number;
}

/**
 * The Google Workspace face: the OAuth token endpoint google-auth-library's JWT client posts to,
 * the Gmail API (with its media uploads and batch endpoint) and the Admin SDK Directory, on
 * Google's own paths. Operations are counted and faulted as `gmail.<method>` (`gmail.token`,
 * `gmail.messages.list`, `gmail.batch`, `gmail.directory.members.list`, ...).
 */
export function createGmailFace(options: GmailFaceOptions = {}): Face {
  return (ctx) => {
    const quota = (): QuotaOptions => ({
      ...DEFAULT_QUOTA,
      ...options.quota,
      ...ctx.limits.current.gmail,
      costs: { ...DEFAULT_QUOTA.costs, ...options.quota?.costs },
    });
    const now = options.now ?? Date.now;
    const env: GmailFaceEnv = { ctx, quota, ledger: new QuotaLedger(quota, now), now };
    const app = new Hono<SimEnv>();

    app.post('/token', async (c) => {
      const refused = await enterOperation(env, c, 'gmail.token');
      if (refused) return refused;
      return issueToken(ctx, Object.fromEntries(new URLSearchParams(await c.req.text())), now());
    });
    app.route('/', messageRoutes(env));
    app.route('/', insertRoutes(env));
    app.route('/', labelRoutes(env));
    app.route('/', threadRoutes(env));
    app.route('/', directoryRoutes(env));
    app.route('/', batchRoutes(env, (request, bindings) => app.fetch(request, bindings)));
    return app;
  };
}

/** The face with Google's defaults. */
export const gmailFace: Face = createGmailFace();
