import { readFile } from 'node:fs/promises';
import { Agent } from 'undici';
import { readSecret } from '../../config/secret.js';
import type { QuarantineSettingsInput } from '../../domain/quarantine.js';
import { assertionSigner } from './assertion.js';
import type { GraphProviderConfig } from './config.js';
import { GraphProvider } from './provider.js';
import { GraphSession } from './session.js';
import { TokenSource, type ClientCredential } from './token.js';

/** A Graph configuration that cannot work, found at start-up; names the key, never a secret's value. */
export class GraphConfigError extends Error {
  constructor(
    readonly where: string,
    detail: string,
  ) {
    super(`${where}: ${detail}`);
    this.name = 'GraphConfigError';
  }
}

export interface OpenGraphOptions {
  tenantId: string;
  domains: string[];
  quarantine?: QuarantineSettingsInput;
  /** Config path of the provider block, for error messages ("tenants.0.provider"). */
  where?: string;
}

async function readPem(file: string, where: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new GraphConfigError(where, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

async function credentialOf(config: GraphProviderConfig, where: string): Promise<ClientCredential> {
  if (config.clientSecret !== undefined) return { secret: await readSecret(config.clientSecret, `${where}.clientSecret`) };
  const certificate = config.certificate!;
  const privateKey = await readSecret(certificate.privateKey, `${where}.certificate.privateKey`);
  const certificatePem = await readPem(certificate.certificateFile, `${where}.certificate.certificateFile`);
  try {
    return { signer: assertionSigner(privateKey, certificatePem) };
  } catch (error) {
    throw new GraphConfigError(`${where}.certificate`, `unusable certificate or key: ${(error as Error).message}`);
  }
}

/**
 * The provider for one configured tenant. Everything that can be checked without the network
 * is checked here, so a bad configuration stops start-up with the key to fix.
 */
export async function openGraphProvider(config: GraphProviderConfig, { tenantId, domains, quarantine, where = 'provider' }: OpenGraphOptions): Promise<GraphProvider> {
  const credential = await credentialOf(config, where);
  const dispatcher = config.caFile === undefined ? undefined : new Agent({ connect: { ca: await readPem(config.caFile, `${where}.caFile`) } });
  const tokens = new TokenSource({
    tenantId,
    tokenUrl: `${config.authority}/${encodeURIComponent(config.tenant)}/oauth2/v2.0/token`,
    clientId: config.clientId,
    scope: `${config.graphBaseUrl}/.default`,
    credential,
    fetch: GraphSession.fetchWith(dispatcher),
  });
  const session = new GraphSession({ tenantId, clientId: config.clientId, graphBaseUrl: `${config.graphBaseUrl}`, tokens, ...(dispatcher ? { dispatcher } : {}) });
  return new GraphProvider({ session, domains, ...(quarantine ? { quarantine } : {}) });
}
