import { readFile } from 'node:fs/promises';
import { z } from 'zod';

/**
 * A credential a provider adapter needs in clear (client secret, password, private key): from an
 * environment variable, from a file (a mounted secret), or written in the config for demos.
 * The value is read when the provider opens and is never logged.
 */
export const Secret = z.union([
  z.object({ env: z.string().min(1) }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
  z.string().min(1),
]);
export type Secret = z.infer<typeof Secret>;

/** Thrown at start-up when a configured secret cannot be read; names where it was looked for, never its value. */
export class SecretUnavailable extends Error {
  constructor(readonly where: string, detail: string) {
    super(`${where}: ${detail}`);
    this.name = 'SecretUnavailable';
  }
}

/** The secret's value. `where` names the config path in errors ("tenants.0.provider.clientSecret"). */
export async function readSecret(secret: Secret, where: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (typeof secret === 'string') return secret;
  if ('env' in secret) {
    const value = env[secret.env];
    if (!value) throw new SecretUnavailable(where, `environment variable ${secret.env} is not set`);
    return value;
  }
  try {
    return (await readFile(secret.file, 'utf8')).trim();
  } catch (error) {
    throw new SecretUnavailable(where, `cannot read ${secret.file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}
