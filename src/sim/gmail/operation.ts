import type { Context, Handler } from 'hono';
import { TenantError } from '../errors.js';
import { transportFault, type SimContext, type SimEnv } from '../face.js';
import type { StoredMailbox } from '../state.js';
import { authorizeMailbox } from './auth.js';
import { injectedStatus, invalidArgument, tenantErrorResponse, userRateLimitExceeded } from './errors.js';
import { InvalidLabel } from './labels.js';
import { MultipartError } from './multipart.js';
import { InvalidPageToken } from './paging.js';
import { pathParameter } from './request.js';
import type { GmailMethod, QuotaLedger, QuotaOptions } from './quota.js';

/** What every route of the face shares: the simulator, the quota ledger and the clock. */
export interface GmailFaceEnv {
  ctx: SimContext;
  /** The quota in force, read per call: the control API may change it. */
  quota: () => QuotaOptions;
  ledger: QuotaLedger;
  now: () => number;
}

/**
 * What every request meets first, whatever its route: it is counted, then the fault plan
 * decides whether it is delayed, dropped, throttled or failed.
 */
export async function enterOperation(env: GmailFaceEnv, c: Context<SimEnv>, operation: string): Promise<Response | undefined> {
  env.ctx.counters.request(operation);
  const outcome = await env.ctx.faults.enter(operation);
  if (await transportFault(c, outcome)) return c.body(null);
  if (outcome?.kind === 'throttle') {
    env.ctx.counters.throttle(operation);
    return userRateLimitExceeded(env.quota().status, outcome.retryAfterMs, env.now());
  }
  if (outcome?.kind === 'status') return injectedStatus(outcome.status);
  return undefined;
}

/** Refusals of the model, the label mapping, paging and multipart bodies, as Google words them. */
export function knownErrorResponse(error: unknown): Response {
  if (error instanceof TenantError) return tenantErrorResponse(error);
  if (error instanceof InvalidLabel || error instanceof InvalidPageToken || error instanceof MultipartError) return invalidArgument(error.message);
  throw error;
}

export type GmailHandler = (c: Context<SimEnv>, mailbox: StoredMailbox) => Response | Promise<Response>;

/**
 * A Gmail method: faults, then the token's subject against `{userId}`, then the user's quota,
 * then the handler on the user's mailbox.
 */
export function gmailMethod(env: GmailFaceEnv, method: GmailMethod, handler: GmailHandler): Handler<SimEnv> {
  const operation = `gmail.${method}`;
  return async (c) => {
    const refused = await enterOperation(env, c, operation);
    if (refused) return refused;
    const mailbox = authorizeMailbox(env.ctx, c.req.header('authorization'), pathParameter(c, 'userId'));
    if (mailbox instanceof Response) return mailbox;
    const overQuota = env.ledger.charge(mailbox.id, method);
    if (overQuota) {
      env.ctx.counters.throttle(operation);
      return userRateLimitExceeded(env.quota().status, overQuota.retryAfterMs, env.now());
    }
    try {
      return await handler(c, mailbox);
    } catch (error) {
      return knownErrorResponse(error);
    }
  };
}
