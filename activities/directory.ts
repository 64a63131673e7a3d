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

export interface ExpandListsPageInput extends ExpandListsInput {
  /** Members already received, over the lists' members in order. */
  offset: number;
  limit: number;
}

/** One page of the lists' members; external members and nested lists come with the first page. */
export interface ExpansionPage {
  expansions: GroupExpansion[];
  /** Mailboxes over all the lists. */
  total: number;
}

/** How long an expansion is kept for the pages after the first: the paging of one incident's lists. */
const EXPANSION_TTL_MS = 10 * 60_000;
const EXPANSIONS_KEPT = 16;

export function createDirectoryActivities(providers: ProviderRegistry) {
  const kept = new Map<string, { at: number; expansions: Promise<GroupExpansion[]> }>();

  async function expand(groups: GroupRef[]): Promise<GroupExpansion[]> {
    const expansions: GroupExpansion[] = [];
    for (const group of groups) {
      try {
        expansions.push(await providers.forTenant(group.tenantId).expandGroup(group));
      } catch (error) {
        throw toActivityFailure(error);
      }
    }
    return expansions;
  }

  /**
   * The lists expanded once for all their pages. A page served by another worker, or after the
   * expansion expired, expands again: membership that changed meanwhile only shifts the pages.
   */
  function expandKept(incidentId: string, groups: GroupRef[]): Promise<GroupExpansion[]> {
    const key = `${incidentId} ${groups.map((g) => `${g.tenantId}/${g.groupId}`).join(',')}`;
    const now = Date.now();
    for (const [k, entry] of kept) if (now - entry.at > EXPANSION_TTL_MS) kept.delete(k);
    const hit = kept.get(key);
    if (hit) return hit.expansions;
    if (kept.size >= EXPANSIONS_KEPT) kept.delete(kept.keys().next().value!);
    const expansions = expand(groups);
    kept.set(key, { at: now, expansions });
    expansions.catch(() => kept.delete(key));
    return expansions;
  }

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

    /** Distribution lists to their members, nested lists included, cycle-safe (incidents recorded before paging). */
    async expandLists({ groups }: ExpandListsInput): Promise<GroupExpansion[]> {
      return expand(groups);
    },

    /** A page of the lists' members, nested lists included, cycle-safe. */
    async expandListsPage({ incidentId, groups, offset, limit }: ExpandListsPageInput): Promise<ExpansionPage> {
      const expansions = await expandKept(incidentId, groups);
      const page: GroupExpansion[] = [];
      let start = 0;
      for (const expansion of expansions) {
        const end = start + expansion.mailboxes.length;
        const from = Math.max(offset, start);
        const to = Math.min(offset + limit, end);
        if (to > from || offset === 0) {
          page.push({
            ...expansion,
            mailboxes: to > from ? expansion.mailboxes.slice(from - start, to - start) : [],
            external: offset === 0 ? expansion.external : [],
            nestedGroups: offset === 0 ? expansion.nestedGroups : [],
          });
        }
        start = end;
      }
      return { expansions: page, total: start };
    },
  };
}
