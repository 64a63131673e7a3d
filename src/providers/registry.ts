import type { MailProvider } from './port.js';

export interface RoutedTenant {
  provider: MailProvider;
  domains: string[];
}

/**
 * Routes an address to the tenant that owns its domain (hybrid estates hold several), and a
 * tenant id to its provider. An address no tenant owns is external: never searched.
 */
export class ProviderRegistry {
  private readonly byDomain = new Map<string, MailProvider>();
  private readonly byTenant = new Map<string, MailProvider>();

  constructor(tenants: RoutedTenant[]) {
    for (const { provider, domains } of tenants) {
      this.byTenant.set(provider.tenantId, provider);
      for (const domain of domains) this.byDomain.set(domain.toLowerCase(), provider);
    }
  }

  forAddress(address: string): MailProvider | undefined {
    const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
    return this.byDomain.get(domain);
  }

  forTenant(tenantId: string): MailProvider {
    const provider = this.byTenant.get(tenantId);
    if (!provider) throw new Error(`no provider configured for tenant "${tenantId}"`);
    return provider;
  }
}
