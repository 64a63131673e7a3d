import { z } from 'zod';
import type { TokenService } from '../tokens.js';

export const EwsAccount = z.object({ username: z.string().min(1), password: z.string().min(1) });
export type EwsAccount = z.infer<typeof EwsAccount>;

/**
 * Who is calling: a Basic service account or the client a bearer token was issued to. Throttling
 * budgets are kept per caller, as Exchange keeps them per account.
 */
export function authenticate(authorization: string | undefined, accounts: readonly EwsAccount[], tokens: TokenService): string | undefined {
  const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (basic) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    const username = decoded.slice(0, separator);
    const password = decoded.slice(separator + 1);
    const account = separator > 0 ? accounts.find((a) => a.username.toLowerCase() === username.toLowerCase() && a.password === password) : undefined;
    return account && `basic:${account.username.toLowerCase()}`;
  }
  const claims = tokens.verify(authorization, 'ews');
  return claims && `token:${claims.clientId}`;
}
