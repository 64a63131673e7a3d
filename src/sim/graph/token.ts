import { Hono } from 'hono';
import { z } from 'zod';
import { transportFault, type SimEnv } from '../face.js';
import { microsoftTokenFace } from '../tokens.js';
import type { GraphRuntime } from './operation.js';

/** A client-credentials grant, by secret or by signed assertion, as the Microsoft identity platform takes it. */
const ClientCredentialsGrant = z
  .object({
    grant_type: z.literal('client_credentials'),
    client_id: z.string().min(1),
    client_secret: z.string().min(1).optional(),
    client_assertion: z.string().min(1).optional(),
    client_assertion_type: z.string().optional(),
    scope: z.string().min(1),
  })
  .refine((grant) => grant.client_secret !== undefined || grant.client_assertion !== undefined, 'client_secret or client_assertion is required');

function oauthError(error: string, description: string) {
  return { error, error_description: description };
}

/** `POST /{tenant}/oauth2/v2.0/token`, the token endpoint's own path, answered in OAuth's error format rather than Graph's. */
export function tokenRoutes({ ctx }: GraphRuntime): Hono<SimEnv> {
  const app = new Hono<SimEnv>();
  app.post('/:tenant/oauth2/v2.0/token', async (c) => {
    ctx.counters.request('graph.token');
    const outcome = await ctx.faults.enter('graph.token');
    if (outcome?.kind === 'throttle') {
      ctx.counters.throttle('graph.token');
      const retryAfter = String(Math.max(1, Math.ceil(outcome.retryAfterMs / 1000)));
      return Response.json(oauthError('temporarily_unavailable', 'The token endpoint is throttling this client.'), { status: 429, headers: { 'Retry-After': retryAfter } });
    }
    if (outcome?.kind === 'status') return Response.json(oauthError('temporarily_unavailable', `Injected failure with status ${outcome.status}.`), { status: outcome.status });
    if (await transportFault(c, outcome)) return c.body(null);
    const tenant = ctx.tenant.current;
    const tenantRef = c.req.param('tenant').toLowerCase();
    if (tenantRef !== tenant.tenantId.toLowerCase() && !tenant.ownsDomain(tenantRef)) {
      return c.json(oauthError('invalid_request', `Tenant '${tenantRef}' not found.`), 400);
    }
    const form = Object.fromEntries(new URLSearchParams(await c.req.text()));
    const parsed = ClientCredentialsGrant.safeParse(form);
    if (!parsed.success) {
      const unsupportedGrant = form.grant_type !== undefined && form.grant_type !== 'client_credentials';
      return c.json(
        unsupportedGrant
          ? oauthError('unsupported_grant_type', `The grant type '${form.grant_type}' is not supported here.`)
          : oauthError('invalid_request', parsed.error.issues.map((issue) => `${issue.path.join('.') || 'request'}: ${issue.message}`).join('; ')),
        400,
      );
    }
    const { accessToken, expiresIn } = ctx.tokens.issue({ face: microsoftTokenFace(parsed.data.scope), clientId: parsed.data.client_id, tenantId: tenant.tenantId });
    return c.json({ token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: accessToken });
  });
  return app;
}
