import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse } from 'yaml';
import { Config, type ConfigInput } from './schema.js';
import { InvalidInput, parseOrThrow } from '../domain/issues.js';
import { DEMO_DOMAIN } from '../sim/demo.js';

export class ConfigError extends InvalidInput {}

/** Keys documented in the README for the demo; never use them outside a demo. */
export const DEMO_SOURCE_KEY = 'demo-source-key';
export const DEMO_ADMIN_KEY = 'demo-admin-key';

/** The zero-config demo: a simulated tenant persisted under `.clawback/`, and the documented keys. */
export function demoConfig(dataDir: string): ConfigInput {
  return {
    tenants: [
      {
        id: 'demo',
        domains: [DEMO_DOMAIN],
        provider: { type: 'simulated', stateFile: resolve(dataDir, 'demo-tenant.json') },
      },
    ],
    sources: [{ id: 'demo-source', key: DEMO_SOURCE_KEY, policy: 'auto' }],
    admins: [{ id: 'demo-admin', key: DEMO_ADMIN_KEY }],
  };
}

export function parseConfig(raw: unknown, file?: string): Config {
  const config = parseOrThrow(Config, raw, 'configuration', file, ConfigError);
  return file ? withPathsFrom(config, dirname(file)) : config;
}

/**
 * `CLAWBACK_CONFIG` names a YAML or JSON file; without it Clawback runs the demo.
 * Relative paths inside the file are relative to the file.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, dataDir = resolve('.clawback')): { config: Config; demo: boolean } {
  const file = env.CLAWBACK_CONFIG;
  if (!file) return { config: parseConfig(demoConfig(dataDir)), demo: true };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read CLAWBACK_CONFIG ${file}: ${(error as Error).message}`, file);
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new ConfigError(`CLAWBACK_CONFIG ${file} is neither YAML nor JSON: ${(error as Error).message}`, file);
  }
  return { config: parseConfig(raw, resolve(file)), demo: false };
}

/** Path-valued keys of a provider's config, by naming convention: `file`, `scenario`, or ending in `File`. */
const isPathKey = (key: string) => key === 'file' || key === 'scenario' || key.endsWith('File');

function withPathsFrom(config: Config, base: string): Config {
  const resolvePaths = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolvePaths);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, typeof inner === 'string' && isPathKey(key) && !isAbsolute(inner) ? resolve(base, inner) : resolvePaths(inner)]),
    );
  };
  return {
    ...config,
    tenants: config.tenants.map((t) => ({ ...t, provider: resolvePaths(t.provider) as typeof t.provider })),
    notifications: resolvePaths(config.notifications) as typeof config.notifications,
    abuse: resolvePaths(config.abuse) as typeof config.abuse,
  };
}

export type { Config };
