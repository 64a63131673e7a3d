import type { Config, TenantConfig } from '../config/schema.js';
import { demoScenario } from '../sim/demo.js';
import { loadScenario } from '../sim/scenario.js';
import { EwsProvider } from './ews/provider.js';
import { openGraphProvider } from './graph/open.js';
import { GmailProvider } from './gmail/provider.js';
import type { MailProvider } from './port.js';
import { ProviderRegistry } from './registry.js';
import { SimulatedProvider } from './simulated/provider.js';

/** One provider per configured tenant, routed by the tenant's recipient domains. */
export async function openProviders(config: Config): Promise<ProviderRegistry> {
  const tenants = await Promise.all(
    config.tenants.map(async (tenant, i) => ({ provider: await openProvider(tenant, `tenants.${i}.provider`), domains: tenant.domains })),
  );
  return new ProviderRegistry(tenants);
}

/** The tenant's adapter; `where` names its config path in start-up errors. */
async function openProvider(tenant: TenantConfig, where: string): Promise<MailProvider> {
  const { id: tenantId, domains, quarantine, provider: config } = tenant;
  switch (config.type) {
    case 'graph':
      return openGraphProvider(config, { tenantId, domains, quarantine, where });
    case 'ews':
      return EwsProvider.open({ tenantId, config, domains, quarantine, where });
    case 'gmail':
      return GmailProvider.open({ tenantId, domains, config, quarantine }, where);
    case 'simulated': {
      const seed = config.scenario ? await loadScenario(config.scenario) : demoScenario;
      return SimulatedProvider.open({ scenario: seed, stateFile: config.stateFile, delaysMs: config.delaysMs, quarantine });
    }
  }
}
