import { timingSafeEqual } from 'node:crypto';
import { digestOf, sha256 } from '../api/auth.js';
import type { SourceConfig } from '../config/schema.js';
import { RuleSet } from './rules.js';

/** A configured source with its rules compiled. */
export interface RegisteredSource {
  config: SourceConfig;
  rules: RuleSet;
}

/**
 * The configured sources by id, and by TRAP route id. Route ids are credentials: held as SHA-256
 * digests and compared in constant time against every trap source, like bearer keys.
 */
export class SourceRegistry {
  private readonly byId = new Map<string, RegisteredSource>();
  private readonly routes: { digest: Buffer; source: RegisteredSource }[] = [];

  constructor(sources: SourceConfig[], env: NodeJS.ProcessEnv = process.env) {
    for (const config of sources) {
      // A source written before rules existed runs its one policy (auto by default) for every alert.
      const rules = RuleSet.fromConfig(config, 'auto');
      const source = { config, rules };
      this.byId.set(config.id, source);
      if (config.routeId) this.routes.push({ digest: digestOf(config.routeId, `sources.${config.id}.routeId`, env), source });
    }
  }

  get(id: string): RegisteredSource | undefined {
    return this.byId.get(id);
  }

  byRouteId(routeId: string): RegisteredSource | undefined {
    const digest = sha256(routeId);
    let found: RegisteredSource | undefined;
    for (const route of this.routes) {
      if (timingSafeEqual(route.digest, digest)) found = route.source;
    }
    return found;
  }
}
