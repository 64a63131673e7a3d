import { mailboxKey, type GroupExpansion, type GroupRef, type MailboxRef, type Resolution } from '../src/domain/mail.js';
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
  /** The last member key (`mailboxKey`) already received; absent for the first page. */
  after?: string;
  limit: number;
}

/** One page of the lists' members; external members and nested lists come with the first page. */
export interface ExpansionPage {
  expansions: GroupExpansion[];
  /** The cursor for the next page (the last member key of this one); absent on the last page. */
  next?: string;
}

/** A mailbox on the lists, with its key and the index of the first list that reaches it. */
interface ListMember {
  key: string;
  mailbox: MailboxRef;
  list: number;
}

/** The lists' expansions and their mailboxes sorted by key, each once. */
interface SortedMembers {
  expansions: GroupExpansion[];
  members: ListMember[];
}

/** How long an expansion is kept for the pages after the first: the paging of one incident's lists. */
const EXPANSION_TTL_MS = 10 * 60_000;
const EXPANSIONS_KEPT = 16;

function sortMembers(expansions: GroupExpansion[]): SortedMembers {
  const byKey = new Map<string, ListMember>();
  expansions.forEach((expansion, list) => {
    for (const mailbox of expansion.mailboxes) {
      const key = mailboxKey(mailbox);
      if (!byKey.has(key)) byKey.set(key, { key, mailbox, list });
    }
  });
  // Plain code-unit order: the cursor comparison in `pageOf` must agree with it.
  const members = [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { expansions, members };
}

/** The first `limit` members after the cursor, each under the list it came through. */
function pageOf({ expansions, members }: SortedMembers, after: string | undefined, limit: number): ExpansionPage {
  const start = after === undefined ? 0 : members.findIndex((m) => m.key > after);
  const taken = start < 0 ? [] : members.slice(start, start + limit);
  const first = after === undefined;
  const page = expansions.map((expansion) => ({
    ...expansion,
    mailboxes: [] as MailboxRef[],
    external: first ? expansion.external : [],
    nestedGroups: first ? expansion.nestedGroups : [],
  }));
  for (const member of taken) page[member.list]!.mailboxes.push(member.mailbox);
  const more = start >= 0 && start + limit < members.length;
  return {
    expansions: page.filter((e) => first || e.mailboxes.length > 0),
    ...(more ? { next: taken.at(-1)!.key } : {}),
  };
}

export function createDirectoryActivities(providers: ProviderRegistry) {
  const kept = new Map<string, { at: number; members: Promise<SortedMembers> }>();

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
   * The lists expanded once for all their pages, to spare the provider a full expansion per page.
   * Paging does not rely on it: a page served by another worker, after expiry or after a failed
   * expansion expands again, and the cursor still skips no member present throughout; a member added
   * meanwhile is on a later page, or missed if its key sorts before the cursor.
   */
  function expandKept(incidentId: string, groups: GroupRef[]): Promise<SortedMembers> {
    const key = `${incidentId} ${groups.map((g) => `${g.tenantId}/${g.groupId}`).join(',')}`;
    const now = Date.now();
    for (const [k, entry] of kept) if (now - entry.at > EXPANSION_TTL_MS) kept.delete(k);
    const hit = kept.get(key);
    if (hit) return hit.members;
    if (kept.size >= EXPANSIONS_KEPT) kept.delete(kept.keys().next().value!);
    const members = expand(groups).then(sortMembers);
    kept.set(key, { at: now, members });
    members.catch(() => kept.delete(key));
    return members;
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

    /** A page of the lists' members after the cursor, in key order, nested lists included, cycle-safe. */
    async expandListsPage({ incidentId, groups, after, limit }: ExpandListsPageInput): Promise<ExpansionPage> {
      return pageOf(await expandKept(incidentId, groups), after, limit);
    },
  };
}
