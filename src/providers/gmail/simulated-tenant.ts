import { generateKeyPairSync } from 'node:crypto';
import type { QuarantineSettingsInput } from '../../domain/quarantine.js';
import { GmailEndpoints } from './config.js';
import { GmailProvider } from './provider.js';

export interface SimulatedGoogleTenant {
  /** `https://127.0.0.1:PORT`, where the simulator serves its Google face. */
  url: string;
  caCert: string;
  tenantId: string;
  domains: readonly string[];
}

let serviceAccountKey: string | undefined;

/** The simulator checks no signatures, but gtoken signs: one throwaway key per process. */
function throwawayKey(): string {
  serviceAccountKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return serviceAccountKey;
}

/**
 * The Gmail adapter pointed at the simulated tenant's Google face (token endpoint, Gmail and
 * Directory on one origin), trusting its CA: what tests and benchmarks drive.
 */
export function gmailProviderForSimulator(
  sim: SimulatedGoogleTenant,
  options: { adminUser: string; quarantine?: QuarantineSettingsInput; unitsPerMinute?: number; serviceAccount?: string },
): GmailProvider {
  const config = GmailEndpoints.parse({
    type: 'gmail',
    adminUser: options.adminUser,
    tokenUrl: `${sim.url}/token`,
    gmailRootUrl: `${sim.url}/`,
    directoryRootUrl: `${sim.url}/`,
    ...(options.unitsPerMinute === undefined ? {} : { unitsPerMinute: options.unitsPerMinute }),
  });
  const serviceAccount = { client_email: options.serviceAccount ?? `clawback@${sim.tenantId}.iam.gserviceaccount.com`, private_key: throwawayKey() };
  return GmailProvider.connect(
    { tenantId: sim.tenantId, domains: sim.domains, config, ...(options.quarantine ? { quarantine: options.quarantine } : {}) },
    { serviceAccount, ca: sim.caCert },
  );
}
