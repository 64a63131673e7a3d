import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { createDirectoryActivities } from '../activities/directory.js';
import { mailboxKey, type GroupRef } from '../src/domain/mail.js';
import { ProviderRegistry } from '../src/providers/registry.js';
import { SimulatedProvider } from '../src/providers/simulated/provider.js';
import { Tenant } from '../src/sim/model.js';

const DOMAIN = 'paging.test';
const TENANT = 'paging';
const LIMIT = 6;
const user = (n: number) => `u${String(n).padStart(2, '0')}@${DOMAIN}`;
const users = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => user(from + i));

/**
 * Two overlapping lists (u08–u11 on both) of 20 mailboxes in all, one with a nested list and an
 * external member, and ten users on no list, created first. Mailbox ids (`mbx-N`) sort out of
 * creation order, so the users on no list sort on both sides of the lists' members.
 */
function directory() {
  const tenant = Tenant.fromScenario({
    tenantId: TENANT,
    domains: [DOMAIN],
    users: [...users(20, 29), ...users(0, 19)].map((address) => ({ address })),
    groups: [
      { address: `sales@${DOMAIN}`, members: [...users(0, 11), 'partner@outside.example'] },
      { address: `support@${DOMAIN}`, members: [...users(8, 15), `night@${DOMAIN}`] },
      { address: `night@${DOMAIN}`, members: users(16, 19) },
    ],
  });
  const registry = new ProviderRegistry([{ provider: new SimulatedProvider({ tenant }), domains: [DOMAIN] }]);
  const groupRef = (name: string): GroupRef => {
    const entry = tenant.resolveAddress(`${name}@${DOMAIN}`);
    assert.ok(entry?.kind === 'group');
    return { tenantId: TENANT, groupId: entry.group.id, address: entry.group.address };
  };
  const keyOf = (address: string) => {
    const entry = tenant.resolveAddress(address);
    assert.ok(entry?.kind === 'mailbox');
    return mailboxKey({ tenantId: TENANT, mailboxId: entry.mailbox.id });
  };
  return { tenant, registry, groups: [groupRef('sales'), groupRef('support')], keyOf };
}

type Activities = ReturnType<typeof createDirectoryActivities>;
type Page = Awaited<ReturnType<Activities['expandListsPage']>>;

/** Pages from `after` to the end, each asked of the worker `workerFor` returns for it. */
async function pagesFrom(workerFor: (page: number) => Activities, groups: GroupRef[], after?: string): Promise<Page[]> {
  const pages: Page[] = [];
  let cursor = after;
  do {
    const page = await workerFor(pages.length).expandListsPage({ incidentId: 'inc-1', groups, after: cursor, limit: LIMIT });
    pages.push(page);
    cursor = page.next;
  } while (cursor !== undefined);
  return pages;
}

/** Each page's member keys, sorted within the page (a page groups its members by list). */
const keysOf = (pages: Page[]) => pages.flatMap((p) => p.expansions.flatMap((e) => e.mailboxes.map(mailboxKey)).sort());

test('list pages cover every member once, in key order, each under the first list that reaches it', async () => {
  const { registry, groups, keyOf } = directory();
  const pages = await pagesFrom(() => createDirectoryActivities(registry), groups);

  const expected = users(0, 19).map(keyOf).sort();
  assert.deepEqual(keysOf(pages), expected);
  assert.deepEqual(pages.map((p) => keysOf([p]).length), [6, 6, 6, 2]);
  for (const page of pages.slice(0, -1)) assert.equal(page.next, keysOf([page]).at(-1), 'the cursor is the last key of its page');
  assert.equal(pages.at(-1)!.next, undefined);

  const [first, ...rest] = pages;
  assert.deepEqual(first!.expansions.map((e) => [e.group.address, e.external, e.nestedGroups.map((g) => g.address)]), [
    [`sales@${DOMAIN}`, ['partner@outside.example'], []],
    [`support@${DOMAIN}`, [], [`night@${DOMAIN}`]],
  ]);
  assert.ok(rest.every((p) => p.expansions.every((e) => e.external.length === 0 && e.nestedGroups.length === 0)), 'external members and nested lists only on the first page');

  const listOf = new Map(pages.flatMap((p) => p.expansions.flatMap((e) => e.mailboxes.map((m) => [m.address, e.group.address]))));
  for (const address of users(0, 11)) assert.equal(listOf.get(address), `sales@${DOMAIN}`, address);
  for (const address of users(12, 19)) assert.equal(listOf.get(address), `support@${DOMAIN}`, address);
});

test('a member added between two pages is on a later page, or absent if it sorts before the cursor; none is skipped', async () => {
  const { tenant, registry, groups, keyOf } = directory();
  const first = await createDirectoryActivities(registry).expandListsPage({ incidentId: 'inc-1', groups, limit: LIMIT });
  const cursor = first.next!;
  const outsiders = users(20, 29);
  const late = outsiders.find((a) => keyOf(a) > cursor);
  const early = outsiders.find((a) => keyOf(a) < cursor);
  assert.ok(late && early, 'the users on no list sort on both sides of the first cursor');

  const worker = createDirectoryActivities(registry);
  const firstAgain = await worker.expandListsPage({ incidentId: 'inc-1', groups, limit: LIMIT });
  assert.deepEqual(firstAgain, first, 'the first page is the same answer on any worker');
  tenant.group(groups[1]!.groupId)!.members.push(late, early);
  // The rest comes from other workers, each expanding the changed lists afresh.
  const rest = await pagesFrom(() => createDirectoryActivities(registry), groups, cursor);

  const seen = keysOf([first, ...rest]);
  assert.deepEqual(seen, [...users(0, 19), late].map(keyOf).sort(), 'every member once, the late one included');
  assert.ok(!seen.includes(keyOf(early)));
  assert.ok(rest.some((p) => p.expansions.some((e) => e.group.address === `support@${DOMAIN}` && e.mailboxes.some((m) => m.address === late))));
});

test('a list the provider refuses fails the page with the provider error type the retry policy knows', async () => {
  const { registry, groups } = directory();
  const missing = { ...groups[0]!, groupId: 'grp-missing' };
  await assert.rejects(createDirectoryActivities(registry).expandListsPage({ incidentId: 'inc-1', groups: [missing], limit: LIMIT }), (error) => {
    assert.ok(error instanceof ApplicationFailure);
    assert.equal(error.type, 'ProviderRejected');
    assert.match(error.message, /expandGroup on tenant paging/);
    return true;
  });
});
