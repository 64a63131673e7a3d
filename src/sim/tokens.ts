import { createHmac, randomBytes, randomUUID } from 'node:crypto';

export type TokenFace = 'graph' | 'ews' | 'google';

/** What a token issued by a simulated token endpoint stands for. */
export interface TokenClaims {
  face: TokenFace;
  /** The application (client id / service account) the token was issued to. */
  clientId: string;
  /** Google domain-wide delegation: the impersonated user. */
  subject?: string;
  /** Microsoft tokens: the tenant the token endpoint was asked for, the token's `tid`. */
  tenantId?: string;
}

/** The resource each face's real tokens name in `aud`. */
const AUDIENCES: Record<TokenFace, string> = {
  graph: 'https://graph.microsoft.com',
  ews: 'https://outlook.office365.com',
  google: 'https://www.googleapis.com/',
};

const TOKEN_LIFETIME_SECONDS = 3600;

/**
 * The Microsoft identity platform issues tokens for Graph and for Exchange from one endpoint; the
 * resource of the requested scope (`https://outlook.office365.com/.default`) decides which.
 */
export function microsoftTokenFace(scope: string): 'graph' | 'ews' {
  const resources = scope.split(/\s+/).map((s) => s.toLowerCase());
  return resources.some((s) => s.startsWith('https://outlook.office365.com/') || s.startsWith('https://outlook.office.com/')) ? 'ews' : 'graph';
}

function issuerOf(claims: TokenClaims): string {
  return claims.face === 'google' ? 'https://accounts.google.com' : `https://sts.windows.net/${claims.tenantId ?? 'common'}/`;
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

interface IssuedToken {
  claims: TokenClaims;
  expiresAt: number;
}

/**
 * Bearer tokens shaped as JWTs (HS256 with a key of this tenant's), because some clients check
 * the shape or read `aud`/`exp` before sending one. The tenant still verifies a token by looking
 * it up: one it never issued, or one past its `exp`, is refused.
 */
export class TokenService {
  private readonly issued = new Map<string, IssuedToken>();
  private readonly signingKey = randomBytes(32);
  private readonly now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
  }

  issue(claims: TokenClaims): { accessToken: string; expiresIn: number } {
    const issuedAt = Math.floor(this.now() / 1000);
    const payload = {
      aud: AUDIENCES[claims.face],
      iss: issuerOf(claims),
      iat: issuedAt,
      nbf: issuedAt,
      exp: issuedAt + TOKEN_LIFETIME_SECONDS,
      appid: claims.clientId,
      sub: claims.subject ?? claims.clientId,
      ...(claims.tenantId === undefined ? {} : { tid: claims.tenantId }),
      jti: randomUUID(),
    };
    const unsigned = `${base64url({ typ: 'JWT', alg: 'HS256' })}.${base64url(payload)}`;
    const accessToken = `${unsigned}.${createHmac('sha256', this.signingKey).update(unsigned).digest('base64url')}`;
    this.issued.set(accessToken, { claims, expiresAt: payload.exp * 1000 });
    return { accessToken, expiresIn: TOKEN_LIFETIME_SECONDS };
  }

  /** The claims of a bearer token, or undefined for a token this tenant never issued, another face's, or an expired one. */
  verify(authorization: string | undefined, face: TokenFace): TokenClaims | undefined {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const issued = token ? this.issued.get(token) : undefined;
    if (!issued || issued.claims.face !== face || issued.expiresAt <= this.now()) return undefined;
    return issued.claims;
  }
}
