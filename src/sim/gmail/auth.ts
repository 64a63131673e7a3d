import { z } from 'zod';
import type { SimContext } from '../face.js';
import type { StoredMailbox } from '../state.js';
import { googleError, unauthenticated } from './errors.js';

/** What google-auth-library's JWT client posts for domain-wide delegation. */
export const JwtBearerGrant = z.object({
  grant_type: z.literal('urn:ietf:params:oauth:grant-type:jwt-bearer'),
  assertion: z.string().min(1),
});

/** The assertion's claims; the signature is not checked, as befits a simulator. */
const AssertionClaims = z.object({
  iss: z.string().min(1),
  sub: z.string().min(1).optional(),
  scope: z.string().optional(),
  exp: z.number().optional(),
});

/** The token endpoint's own error shape (RFC 6749), not the API's. */
export function oauthError(status: number, error: string, description: string): Response {
  return Response.json({ error, error_description: description }, { status });
}

/** Answers a JWT-bearer grant with a token bound to the service account and the impersonated user. */
export function issueToken(ctx: SimContext, form: Record<string, unknown>, now: number): Response {
  const grant = JwtBearerGrant.safeParse(form);
  if (!grant.success) return oauthError(400, 'unsupported_grant_type', `Invalid grant_type: ${String(form.grant_type ?? '')}`);
  const payload = grant.data.assertion.split('.')[1];
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const claims = AssertionClaims.safeParse(decoded);
  if (!claims.success) return oauthError(400, 'invalid_grant', 'Invalid JWT: the assertion is not a JWT with an iss claim.');
  if (claims.data.exp !== undefined && claims.data.exp * 1000 < now) {
    return oauthError(400, 'invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.');
  }
  const subject = claims.data.sub;
  if (subject !== undefined && ctx.tenant.current.resolveAddress(subject)?.kind !== 'mailbox') {
    return oauthError(400, 'invalid_grant', 'Invalid email or User ID');
  }
  const token = ctx.tokens.issue({ face: 'google', clientId: claims.data.iss, ...(subject === undefined ? {} : { subject }) });
  return Response.json({ access_token: token.accessToken, expires_in: token.expiresIn, token_type: 'Bearer' });
}

/** Any valid Google token: the Directory API acts for the service account, whoever it impersonates. */
export function authorizeDirectory(ctx: SimContext, authorization: string | undefined): Response | undefined {
  return ctx.tokens.verify(authorization, 'google') ? undefined : unauthenticated();
}

/**
 * The mailbox a Gmail call acts on. `me` is the impersonated user; naming another user, by
 * address or alias, is refused the way Google refuses it: a token is bound to its subject.
 */
export function authorizeMailbox(ctx: SimContext, authorization: string | undefined, userId: string): StoredMailbox | Response {
  const claims = ctx.tokens.verify(authorization, 'google');
  if (!claims) return unauthenticated();
  if (!claims.subject) return googleError(400, 'failedPrecondition', 'Precondition check failed.');
  const subject = ctx.tenant.current.resolveAddress(claims.subject);
  if (subject?.kind !== 'mailbox') return unauthenticated();
  if (userId === 'me') return subject.mailbox;
  const named = ctx.tenant.current.resolveAddress(userId);
  if (named?.kind === 'mailbox' && named.mailbox.id === subject.mailbox.id) return subject.mailbox;
  return googleError(403, 'forbidden', `Delegation denied for ${claims.subject}`);
}
