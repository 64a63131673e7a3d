import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tenant } from '../src/sim/model.js';
import { TenantError } from '../src/sim/errors.js';
import {
  demoScenario,
  DEMO_ADDRESSES as a,
  DEMO_BENIGN_MESSAGE_ID,
  DEMO_DOMAIN,
  DEMO_FORWARD_ID,
  DEMO_MESSAGE_ID,
} from '../src/sim/demo.js';
import { loadScenario, Scenario, ScenarioError, type ScenarioInput } from '../src/sim/scenario.js';

const demoTenant = () => Tenant.fromScenario(demoScenario);

/** "mailbox folder read|unread" for each copy, sorted: what a user would see. */
function placements(tenant: Tenant, messageId: string): string[] {
  return tenant
    .locate(messageId)
    .map((p) => `${p.mailbox} ${p.folderPath} ${p.isRead ? 'read' : 'unread'}`)
    .sort();
}

function mailboxIdOf(tenant: Tenant, address: string): string {
  const entry = tenant.resolveAddress(address);
  assert.ok(entry?.kind === 'mailbox', `${address} is a mailbox`);
  return entry.mailbox.id;
}

function scenarioFile(content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'clawback-scenario-')), 'scenario.json');
  writeFileSync(file, content);
  return file;
}

async function scenarioIssues(scenario: unknown): Promise<{ path: string; message: string }[]> {
  const error = await loadScenario(scenarioFile(JSON.stringify(scenario))).then(
    () => assert.fail('the scenario was accepted'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ScenarioError);
  return error.issues;
}

test('the demo scenario validates and seeds the copies its documentation describes', () => {
  assert.equal(Scenario.safeParse(demoScenario).success, true);
  const tenant = demoTenant();
  assert.deepEqual(placements(tenant, DEMO_MESSAGE_ID), [
    `${a.alice} Inbox unread`,
    `${a.bob} Inbox read`,
    `${a.carol} Inbox/Invoices unread`,
    `${a.finance} Junk Email unread`,
  ]);
  assert.deepEqual(placements(tenant, DEMO_FORWARD_ID), [`${a.alice} Sent Items read`, `${a.dave} Inbox unread`]);
  assert.deepEqual(placements(tenant, DEMO_BENIGN_MESSAGE_ID), [`${a.alice} Inbox unread`, `${a.bob} Inbox unread`]);
});

test('a mailbox reached twice, through a list and an alias, gets one copy', () => {
  const tenant = demoTenant();
  assert.equal(tenant.findMessages(mailboxIdOf(tenant, a.alice), DEMO_MESSAGE_ID).length, 1);
});

test('addresses resolve case-insensitively, an alias to its mailbox', () => {
  const tenant = demoTenant();
  const alias = tenant.resolveAddress('A.Smith@Demo.Clawback.Test');
  assert.equal(alias?.kind === 'mailbox' && alias.mailbox.address, a.alice);
  assert.equal(tenant.resolveAddress(a.allStaff)?.kind, 'group');
  assert.equal(tenant.resolveAddress(a.partner)?.kind, 'contact');
  assert.equal(tenant.resolveAddress(`nobody@${DEMO_DOMAIN}`), undefined);
});

test('a moved copy gets a new item id and keeps its immutable id', () => {
  const tenant = demoTenant();
  const bob = mailboxIdOf(tenant, a.bob);
  const [before] = tenant.findMessages(bob, DEMO_MESSAGE_ID);
  const moved = tenant.move(bob, before!.itemId, 'archive');
  assert.notEqual(moved.itemId, before!.itemId);
  assert.equal(moved.immutableId, before!.immutableId);
  assert.equal(moved.folderPath, 'Archive');
  assert.equal(tenant.message(bob, before!.itemId), undefined, 'the old item id no longer names the message');
  assert.equal(tenant.message(bob, moved.immutableId)?.itemId, moved.itemId);
});

test('marking a copy read keeps its item id', () => {
  const tenant = demoTenant();
  const alice = mailboxIdOf(tenant, a.alice);
  const [copy] = tenant.findMessages(alice, DEMO_MESSAGE_ID);
  const read = tenant.setRead(alice, copy!.itemId, true);
  assert.equal(read.itemId, copy!.itemId);
  assert.equal(read.isRead, true);
  assert.deepEqual(read.labelIds, ['INBOX']);
});

test('expanding a list that contains itself terminates, each member once', () => {
  const tenant = demoTenant();
  const allStaff = tenant.resolveAddress(a.allStaff);
  assert.ok(allStaff?.kind === 'group');
  const members = tenant.expandGroup(allStaff.group.id);
  assert.deepEqual(members.mailboxes.map((m) => m.address).sort(), [a.alice, a.bob, a.carol]);
  assert.deepEqual(members.nestedGroups.map((g) => g.address), [a.teamEng]);
  assert.deepEqual(members.external, []);

  const selfish = Tenant.fromScenario({
    tenantId: 't',
    domains: ['t.test'],
    users: [{ address: 'u@t.test' }],
    groups: [{ address: 'loop@t.test', members: ['loop@t.test', 'u@t.test', 'friend@elsewhere.example'] }],
  });
  const loop = selfish.resolveAddress('loop@t.test');
  assert.ok(loop?.kind === 'group');
  const expanded = selfish.expandGroup(loop.group.id);
  assert.deepEqual(expanded.mailboxes.map((m) => m.address), ['u@t.test']);
  assert.deepEqual(expanded.external, ['friend@elsewhere.example']);
  assert.deepEqual(expanded.nestedGroups, []);
});

test('every mailbox has the well-known folders; hidden ones are listed only when asked', () => {
  const tenant = demoTenant();
  const carol = mailboxIdOf(tenant, a.carol);
  const visible = tenant.listFolders(carol).map((f) => f.path);
  assert.deepEqual(visible, ['Inbox', 'Inbox/Invoices', 'Sent Items', 'Drafts', 'Deleted Items', 'Junk Email', 'Archive']);
  const recoverable = tenant.listFolders(carol, { includeHidden: true }).find((f) => f.wellKnownName === 'recoverableitemsdeletions');
  assert.equal(recoverable?.path, 'Recoverable Items');
  assert.equal(tenant.findFolder(carol, 'JunkEmail')?.path, 'Junk Email', 'well-known names are case-insensitive');
  assert.equal(tenant.findFolder(carol, 'inbox/invoices')?.displayName, 'Invoices', 'paths are case-insensitive');
});

test('creating a folder whose name is taken under the same parent is refused', () => {
  const tenant = demoTenant();
  const carol = mailboxIdOf(tenant, a.carol);
  const inbox = tenant.requireFolder(carol, 'inbox');
  assert.throws(
    () => tenant.createFolder(carol, 'invoices', { parentFolderId: inbox.id }),
    (error: unknown) => error instanceof TenantError && error.code === 'FolderExists',
  );
  const hidden = tenant.createFolder(carol, 'Invoices', { isHidden: true });
  assert.equal(hidden.path, 'Invoices', 'the same name under another parent is fine');
  assert.ok(!tenant.listFolders(carol).some((f) => f.id === hidden.id));
  assert.ok(tenant.listFolders(carol, { includeHidden: true }).some((f) => f.id === hidden.id && f.isHidden));
  assert.throws(() => tenant.createFolder(carol, 'a/b'), (error: unknown) => error instanceof TenantError && error.code === 'InvalidFolderName');
});

test('deleting a folder moves its messages to Deleted Items; well-known folders cannot be deleted', () => {
  const tenant = demoTenant();
  const carol = mailboxIdOf(tenant, a.carol);
  tenant.deleteFolder(carol, 'Inbox/Invoices');
  assert.equal(tenant.findFolder(carol, 'Inbox/Invoices'), undefined);
  assert.deepEqual(tenant.findMessages(carol, DEMO_MESSAGE_ID).map((m) => m.folderPath), ['Deleted Items']);
  assert.throws(() => tenant.deleteFolder(carol, 'inbox'), (error: unknown) => error instanceof TenantError && error.code === 'WellKnownFolderProtected');
});

test('a forward sits in the forwarder\'s Sent Items, named "FW:" and linked to the original, and reaches internal recipients only', () => {
  const tenant = demoTenant();
  const [sent] = tenant.findMessages(mailboxIdOf(tenant, a.alice), DEMO_FORWARD_ID);
  assert.equal(sent?.folderPath, 'Sent Items');
  assert.equal(sent.subject, 'FW: Overdue invoice 4471');
  assert.equal(sent.from, a.alice);
  assert.deepEqual(sent.references, [DEMO_MESSAGE_ID]);
  assert.equal(sent.inReplyTo, DEMO_MESSAGE_ID);
  assert.deepEqual(sent.to, [a.dave, a.partner]);
  assert.deepEqual(
    tenant.locate(DEMO_FORWARD_ID).map((p) => p.mailbox).sort(),
    [a.alice, a.dave],
    'the external recipient has no mailbox here',
  );
});

test('a late delivery adds a copy that locate finds', () => {
  const tenant = demoTenant();
  const before = tenant.locate(DEMO_MESSAGE_ID).length;
  const delivered = tenant.deliver(
    { messageId: DEMO_MESSAGE_ID, from: a.attacker, to: [a.dave], subject: 'Overdue invoice 4471', date: '2026-12-01T09:14:00Z' },
    { receivedAt: '2026-12-01T11:40:00Z' },
  );
  assert.deepEqual(delivered.map((m) => [m.folderPath, m.receivedAt]), [['Inbox', '2026-12-01T11:40:00Z']]);
  assert.equal(tenant.locate(DEMO_MESSAGE_ID).length, before + 1);
  assert.throws(
    () => tenant.deliver({ messageId: '<x@y.example>', from: a.attacker, to: [`typo@${DEMO_DOMAIN}`], subject: 's', date: '2026-12-01T09:14:00Z' }),
    (error: unknown) => error instanceof TenantError && error.code === 'AddressNotFound',
  );
});

test('a hard-deleted copy is gone from every view', () => {
  const tenant = demoTenant();
  const bob = mailboxIdOf(tenant, a.bob);
  const [copy] = tenant.findMessages(bob, DEMO_MESSAGE_ID);
  assert.equal(tenant.hardDelete(bob, copy!.itemId), true);
  assert.equal(tenant.message(bob, copy!.immutableId), undefined);
  assert.deepEqual(tenant.findMessages(bob, DEMO_MESSAGE_ID), []);
  assert.ok(!tenant.messagesIn(bob, 'inbox').some((m) => m.immutableId === copy!.immutableId));
  assert.ok(!tenant.locate(DEMO_MESSAGE_ID).some((p) => p.mailbox === a.bob));
  assert.equal(tenant.hardDelete(bob, copy!.itemId), false);
});

test('a tenant survives toJSON and fromJSON, and ids stay unique after the reload', () => {
  const tenant = demoTenant();
  const carol = mailboxIdOf(tenant, a.carol);
  tenant.createFolder(carol, 'Quarantine', { isHidden: true });
  const reloaded = Tenant.fromJSON(JSON.parse(JSON.stringify(tenant)));
  assert.deepEqual(JSON.parse(JSON.stringify(reloaded)), JSON.parse(JSON.stringify(tenant)));
  for (const id of [DEMO_MESSAGE_ID, DEMO_FORWARD_ID, DEMO_BENIGN_MESSAGE_ID]) assert.deepEqual(reloaded.locate(id), tenant.locate(id));

  const everyItemId = new Set(reloaded.mailboxes().flatMap((m) => reloaded.messagesOf(m.id).map((message) => message.itemId)));
  const [copy] = reloaded.findMessages(carol, DEMO_MESSAGE_ID);
  assert.ok(!everyItemId.has(reloaded.move(carol, copy!.itemId, 'inbox').itemId));
});

test('fromJSON refuses a state that is not a tenant', () => {
  const state = JSON.parse(JSON.stringify(demoTenant()));
  state.messages[0].folderId = 42;
  assert.throws(() => Tenant.fromJSON(state), /messages/);
  assert.throws(() => Tenant.fromJSON({ tenantId: 'x' }));
});

/** One step of a user's (or a provider's) work on a mailbox; indexes pick among what exists at that moment. */
const Step = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('create' as const), mailbox: fc.nat(), parent: fc.nat(), hidden: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), mailbox: fc.nat(), folder: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reload' as const) }) },
  { weight: 16, arbitrary: fc.record({ kind: fc.constant('move' as const), mailbox: fc.nat(), message: fc.nat(), folder: fc.nat() }) },
);

test('any sequence of moves keeps every message in exactly one folder', () => {
  fc.assert(
    fc.property(fc.array(Step, { minLength: 1, maxLength: 200 }), (steps) => {
      let tenant = demoTenant();
      const mailboxIds = tenant.mailboxes().map((m) => m.id);
      const messages = new Set(mailboxIds.flatMap((id) => tenant.messagesOf(id).map((m) => m.immutableId)));
      const itemIdsSeen = new Set(mailboxIds.flatMap((id) => tenant.messagesOf(id).map((m) => m.itemId)));
      const at = <T>(items: T[], index: number): T | undefined => items[index % Math.max(items.length, 1)];

      steps.forEach((step, n) => {
        if (step.kind === 'reload') {
          tenant = Tenant.fromJSON(JSON.parse(JSON.stringify(tenant)));
          return;
        }
        const mailboxId = at(mailboxIds, step.mailbox)!;
        const folders = tenant.listFolders(mailboxId, { includeHidden: true });
        if (step.kind === 'create') {
          tenant.createFolder(mailboxId, `folder ${n}`, { parentFolderId: at(folders, step.parent)!.id, isHidden: step.hidden });
        } else if (step.kind === 'delete') {
          const userFolder = at(folders.filter((f) => !f.wellKnownName), step.folder);
          if (userFolder) tenant.deleteFolder(mailboxId, userFolder.id);
        } else {
          const message = at(tenant.messagesOf(mailboxId), step.message);
          if (!message) return;
          const moved = tenant.move(mailboxId, message.itemId, at(folders, step.folder)!.id);
          assert.ok(!itemIdsSeen.has(moved.itemId), `item id ${moved.itemId} was used before`);
          itemIdsSeen.add(moved.itemId);
        }

        const timesSeen = new Map<string, number>();
        for (const id of mailboxIds) {
          const root = tenant.requireFolder(id, 'msgfolderroot');
          for (const folder of [root, ...tenant.listFolders(id, { includeHidden: true })]) {
            for (const held of tenant.messagesIn(id, folder.id)) {
              assert.equal(held.folderId, folder.id);
              timesSeen.set(held.immutableId, (timesSeen.get(held.immutableId) ?? 0) + 1);
            }
          }
        }
        assert.deepEqual(new Set(timesSeen.keys()), messages, `step ${n}: a message was lost or appeared`);
        assert.ok([...timesSeen.values()].every((count) => count === 1), `step ${n}: a message is in two folders`);
      });
    }),
    { numRuns: 60 },
  );
});

test('a 10,000-mailbox tenant loads, delivers one copy per mailbox through nested lists, and round-trips', () => {
  const users = Array.from({ length: 10_000 }, (_, i) => ({ address: `user${i}@big.test`, aliases: [`u${i}@big.test`] }));
  const half = users.length / 2;
  const tenant = Tenant.fromScenario({
    tenantId: 'big',
    domains: ['big.test'],
    users,
    groups: [
      { address: 'everyone@big.test', members: [...users.slice(0, half).map((u) => u.address), 'second-half@big.test'] },
      { address: 'second-half@big.test', members: [...users.slice(half).map((u) => u.address), 'everyone@big.test'] },
    ],
    messages: [
      { messageId: '<campaign-1@bad.example>', from: 'x@bad.example', to: ['everyone@big.test'], cc: ['u7@big.test'], subject: 'Hi', date: '2026-12-01T09:00:00Z' },
    ],
  });
  const copies = tenant.locate('<campaign-1@bad.example>');
  assert.equal(copies.length, 10_000);
  assert.equal(new Set(copies.map((c) => c.mailboxId)).size, 10_000);
  assert.ok(copies.every((c) => c.folderPath === 'Inbox'));
  const reloaded = Tenant.fromJSON(JSON.parse(JSON.stringify(tenant)));
  assert.equal(reloaded.locate('<campaign-1@bad.example>').length, 10_000);
  assert.equal(reloaded.resolveAddress('U9999@BIG.TEST')?.kind, 'mailbox');
});

test('a scenario with a bad field is refused with the path of the field', async () => {
  const base: ScenarioInput = {
    tenantId: 't',
    domains: ['t.test'],
    users: [{ address: 'u@t.test' }],
    messages: [{ messageId: '<m@x.example>', from: 'x@x.example', to: ['u@t.test'], subject: 's', date: 'yesterday' }],
  };
  assert.deepEqual((await scenarioIssues(base)).map((i) => i.path), ['messages.0.date']);

  const clashing = { ...base, messages: [], users: [{ address: 'u@t.test' }, { address: 'v@t.test', aliases: ['U@t.test'] }] };
  assert.deepEqual((await scenarioIssues(clashing)).map((i) => i.path), ['users.1.aliases.0']);

  const dangling = { ...base, messages: [], groups: [{ address: 'g@t.test', members: ['u@t.test', 'ghost@t.test'] }] };
  const [issue] = await scenarioIssues(dangling);
  assert.equal(issue?.path, 'groups.0.members.1');
  assert.match(issue.message, /ghost@t\.test/);

  assert.deepEqual((await scenarioIssues({ ...base, messages: [], typo: true })).map((i) => i.path), ['']);
});

test('a scenario placement that cannot be made names the scenario path', () => {
  const seeding = (scenario: ScenarioInput) => {
    try {
      Tenant.fromScenario(scenario);
    } catch (error) {
      assert.ok(error instanceof ScenarioError);
      return error.issues;
    }
    return assert.fail('the scenario was seeded');
  };
  const base = {
    tenantId: 't',
    domains: ['t.test'],
    users: [{ address: 'u@t.test' }],
    messages: [{ messageId: '<m@x.example>', from: 'x@x.example', to: ['u@t.test'], subject: 's', date: '2026-12-01T09:00:00Z' }],
  };
  const [noFolder] = seeding({ ...base, moves: [{ messageId: '<m@x.example>', mailbox: 'u@t.test', folder: 'Inbox/Nope' }] });
  assert.equal(noFolder?.path, 'moves.0');
  assert.match(noFolder.message, /Inbox\/Nope/);
  const [noCopy] = seeding({ ...base, forwards: [{ of: '<other@x.example>', by: 'u@t.test', messageId: '<f@t.test>', to: ['u@t.test'], date: '2026-12-01T10:00:00Z' }] });
  assert.equal(noCopy?.path, 'forwards.0');
});

test('loading a scenario file that is not JSON says so and names the file', async () => {
  const file = scenarioFile('{ not json');
  await assert.rejects(loadScenario(file), (error: unknown) => error instanceof ScenarioError && error.file === file && /not JSON/.test(error.message));
});
