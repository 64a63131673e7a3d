import { randomBytes } from 'node:crypto';

/** What a token issued by a simulated token endpoint stands for. */
export interface TokenClaims {
  face: 'graph' | 'ews' | 'google';
  /** The application (client id / service account) the token was issued to. */
  clientId: string;
  /** Google domain-wide delegation: the impersonated user. */
  subject?: string;
}

/** Opaque bearer tokens, as the real services' clients treat them. */
export class TokenService {
  private readonly issued = new Map<string, TokenClaims>();

  issue(claims: TokenClaims): { accessToken: string; expiresIn: number } {
    const accessToken = randomBytes(24).toString('base64url');
    this.issued.set(accessToken, claims);
    return { accessToken, expiresIn: 3600 };
  }

  /** The claims of a bearer token, or undefined for a token this tenant never issued. */
  verify(authorization: string | undefined, face: TokenClaims['face']): TokenClaims | undefined {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    const claims = token ? this.issued.get(token) : undefined;
    return claims?.face === face ? claims : undefined;
  }
}
