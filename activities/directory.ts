import type { GroupExpansion, GroupRef, Resolution } from '../src/domain/mail.js';
import type { ProviderRegistry } from '../src/providers/registry.js';
import { toActivityFailure } from './failures.js';

export interface ResolveRecipientsInput {
  incidentId: string;
  addresses: string[];
}

export interface ExpandListsInput {
  incidentId: string;
  groups: GroupRef[];
}

export function createDirectoryActivities(providers: ProviderRegistry) {
  return {
    /** Recipient addresses and aliases to mailboxes, lists, external or unknown addresses. */
    async resolveRecipients({ addresses }: ResolveRecipientsInput): Promise<Resolution[]> {
      const byProvider = new Map<ReturnType<ProviderRegistry['forAddress']>, string[]>();
      for (const address of addresses) {
        const provider = providers.forAddress(address);
        byProvider.set(provider, [...(byProvider.get(provider) ?? []), address]);
      }
      const resolutions: Resolution[] = [];
      for (const [provider, group] of byProvider) {
        if (!provider) {
          resolutions.push(...group.map((address) => ({ kind: 'external' as const, address })));
          continue;
        }
        try {
          resolutions.push(...(await provider.resolve(group)));
        } catch (error) {
          throw toActivityFailure(error);
        }
      }
      return resolutions;
    },

    /** Distribution lists to their members, nested lists included, cycle-safe. */
    async expandLists({ groups }: ExpandListsInput): Promise<GroupExpansion[]> {
      const expansions: GroupExpansion[] = [];
      for (const group of groups) {
        try {
          expansions.push(await providers.forTenant(group.tenantId).expandGroup(group));
        } catch (error) {
          throw toActivityFailure(error);
        }
      }
      return expansions;
    },
  };
}
