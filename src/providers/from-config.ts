import type { Config } from '../config/schema.js';
import { demoScenario } from '../sim/demo.js';
import { loadScenario } from '../sim/scenario.js';
import { ProviderRegistry } from './registry.js';
import { SimulatedProvider } from './simulated/provider.js';

/** One provider per configured tenant, routed by the tenant's recipient domains. */
export async function openProviders(config: Config): Promise<ProviderRegistry> {
  const tenants = await Promise.all(
    config.tenants.map(async (tenant) => {
      const { scenario, stateFile, delaysMs } = tenant.provider;
      const seed = scenario ? await loadScenario(scenario) : demoScenario;
      const provider = await SimulatedProvider.open({ scenario: seed, stateFile, delaysMs, quarantine: tenant.quarantine });
      return { provider, domains: tenant.domains };
    }),
  );
  return new ProviderRegistry(tenants);
}
