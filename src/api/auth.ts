import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Config } from '../config/schema.js';
import type { KeySecret } from '../config/schema.js';
import type { Policy } from '../domain/incident.js';
import { ConfigError } from '../config/load.js';
import { errorBody } from './errors.js';

export type Right = 'alerts:submit' | 'incidents:read' | 'incidents:admin' | 'reports:read';

export interface Principal {
  kind: 'source' | 'admin';
  id: string;
  rights: Right[];
  /** Sources only: the policy their alerts run under. */
  policy?: Policy;
}

interface KeyEntry {
  digest: Buffer;
  principal: Principal;
}

const SOURCE_RIGHTS: Right[] = ['alerts:submit', 'incidents:read'];
// Reports name the employees who made them: admins only.
const ADMIN_RIGHTS: Right[] = ['incidents:read', 'incidents:admin', 'reports:read'];

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export function digestOf(secret: KeySecret, where: string, env: NodeJS.ProcessEnv): Buffer {
  if (typeof secret === 'string') return sha256(secret);
  if ('sha256' in secret) return Buffer.from(secret.sha256, 'hex');
  const value = env[secret.env];
  if (!value) throw new ConfigError(`${where}: environment variable ${secret.env} is not set`, undefined);
  return sha256(value);
}

/**
 * Bearer keys to principals. Keys are held only as SHA-256 digests and compared in constant
 * time, so neither memory dumps of config nor timing reveal them.
 */
export class Authenticator {
  private readonly entries: KeyEntry[];

  constructor(config: Pick<Config, 'sources' | 'admins'>, env: NodeJS.ProcessEnv = process.env) {
    this.entries = [
      ...config.sources.map((s) => ({
        digest: digestOf(s.key, `sources.${s.id}.key`, env),
        principal: { kind: 'source' as const, id: s.id, rights: SOURCE_RIGHTS, policy: s.policy },
      })),
      ...config.admins.map((a) => ({
        digest: digestOf(a.key, `admins.${a.id}.key`, env),
        principal: { kind: 'admin' as const, id: a.id, rights: ADMIN_RIGHTS },
      })),
    ];
  }

  identify(authorization: string | undefined): Principal | undefined {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return undefined;
    const digest = sha256(match[1]!);
    let found: Principal | undefined;
    // Compare against every entry, so the time taken says nothing about which key matched.
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, digest)) found = entry.principal;
    }
    return found;
  }

  /** 401 without a valid key, 403 with a key that lacks the right. */
  require(right: Right): MiddlewareHandler<{ Variables: { principal: Principal } }> {
    return async (c, next) => {
      const principal = this.identify(c.req.header('authorization'));
      if (!principal) {
        c.header('WWW-Authenticate', 'Bearer');
        return c.json(errorBody('unauthorized', 'a valid bearer key is required'), 401);
      }
      if (!principal.rights.includes(right)) {
        return c.json(errorBody('forbidden', `key "${principal.id}" lacks the right ${right}`), 403);
      }
      c.set('principal', principal);
      await next();
    };
  }
}
