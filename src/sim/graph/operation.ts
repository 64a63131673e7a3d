import type { Context } from 'hono';
import { TenantError } from '../errors.js';
import { transportFault, type SimContext, type SimEnv } from '../face.js';
import { graphError, injectedStatus, tenantErrorResponse, throttled } from './errors.js';
import { InvalidFilter } from './filter.js';
import type { MessageView, Tenant } from '../model.js';
import type { StoredMailbox } from '../state.js';
import { findUser, MalformedId, requireMailbox, requireMessage } from './resolve.js';
import type { MailboxLimits } from './limits.js';
import { InvalidQuery } from './query.js';

/** What every route of the face shares: the simulator's context and the mailbox limits. */
export interface GraphRuntime {
  ctx: SimContext;
  limits: MailboxLimits;
}

export type GraphHandler = (c: Context<SimEnv>) => Response | Promise<Response>;

/**
 * Wraps a route as one named operation (`graph.<name>`): counted, admitted under the mailbox's
 * limits when the route works on a mailbox (`/users/:user/...` mail routes), then exposed to the
 * fault plan. The mailbox slot is held while the plan's latency runs, because that latency stands
 * for the service's own work: it is what makes concurrent requests overlap.
 */
export function operation(runtime: GraphRuntime, name: string, handler: GraphHandler, scope: 'mailbox' | 'tenant' = 'tenant') {
  const { ctx, limits } = runtime;
  const operationName = `graph.${name}`;
  return async (c: Context<SimEnv>): Promise<Response> => {
    ctx.counters.request(operationName);
    const userRef = scope === 'mailbox' ? c.req.param('user') : undefined;
    const mailbox = userRef === undefined ? undefined : findUser(ctx.tenant.current, userRef);
    const admission = mailbox ? limits.admit(mailbox.id) : undefined;
    if (admission && !admission.admitted) {
      ctx.counters.throttle(operationName);
      const limit = admission.reason === 'concurrency' ? 'MailboxConcurrency' : 'MailboxRequest';
      return throttled(c.req.raw, admission.retryAfterMs, `Application is over its ${limit} limit.`);
    }
    try {
      const outcome = await ctx.faults.enter(operationName);
      if (outcome?.kind === 'throttle') {
        ctx.counters.throttle(operationName);
        return throttled(c.req.raw, outcome.retryAfterMs, 'Application is over its MailboxConcurrency limit.');
      }
      if (outcome?.kind === 'status') return injectedStatus(c.req.raw, outcome.status);
      if (await transportFault(c, outcome)) return c.body(null);
      return await handler(c);
    } catch (error) {
      if (error instanceof TenantError) return tenantErrorResponse(c.req.raw, error);
      if (error instanceof MalformedId) return graphError(c.req.raw, 400, 'ErrorInvalidIdMalformed', error.message);
      if (error instanceof InvalidQuery || error instanceof InvalidFilter) return graphError(c.req.raw, 400, 'BadRequest', error.message);
      throw error;
    } finally {
      if (admission?.admitted) admission.release();
    }
  };
}

/** A path parameter of the route that matched; the route's pattern guarantees it. */
export function routeParam(c: Context<SimEnv>, name: string): string {
  const value = c.req.param(name);
  if (value === undefined) throw new Error(`the route has no :${name} parameter`);
  return value;
}

/** What a route on one message (`/users/:user/messages/:id…`) works on. */
export interface MessageTarget {
  tenant: Tenant;
  mailbox: StoredMailbox;
  message: MessageView;
}

/**
 * A mailbox operation on the message its path names, resolved before the handler runs: an
 * unknown user or message is Graph's 404, a malformed id its 400.
 */
export function messageOperation(runtime: GraphRuntime, name: string, handler: (c: Context<SimEnv>, target: MessageTarget) => Response | Promise<Response>) {
  return operation(
    runtime,
    name,
    (c) => {
      const tenant = runtime.ctx.tenant.current;
      const mailbox = requireMailbox(tenant, routeParam(c, 'user'));
      return handler(c, { tenant, mailbox, message: requireMessage(tenant, mailbox.id, routeParam(c, 'id')) });
    },
    'mailbox',
  );
}
