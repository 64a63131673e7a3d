import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MailboxRef, MessageCopy, PullRecord, PullResult } from '../src/domain/mail.js';
import { ProviderError } from '../src/providers/errors.js';
import { DEFAULT_QUARANTINE_FOLDER as QUARANTINE_FOLDER_NAME, EVIDENCE_FOLDER_NAME } from '../src/domain/quarantine.js';
import { SimulatedProvider, type SimulatedProviderOptions } from '../src/providers/simulated/provider.js';
import { Tenant } from '../src/sim/model.js';
import { demoScenario, DEMO_ADDRESSES as a, DEMO_DOMAIN, DEMO_FORWARD_ID, DEMO_MESSAGE_ID } from '../src/sim/demo.js';
import { checkFolderCreations } from './support/folder-creations.js';

const query = { messageId: DEMO_MESSAGE_ID };

function demo(options: Omit<SimulatedProviderOptions, 'tenant'> = {}) {
  const tenant = Tenant.fromScenario(demoScenario);
  return { tenant, provider: new SimulatedProvider({ tenant, ...options }) };
}

async function mailboxOf(provider: SimulatedProvider, address: string): Promise<MailboxRef> {
  const [resolution] = await provider.resolve([address]);
  assert.ok(resolution?.kind === 'mailbox', `${address} resolves to a mailbox`);
  return resolution.mailbox;
}

async function copiesIn(provider: SimulatedProvider, address: string, messageId = DEMO_MESSAGE_ID): Promise<MessageCopy[]> {
  return provider.findCopies(await mailboxOf(provider, address), { messageId });
}

function recordsOf(results: PullResult[]): PullRecord[] {
  return results.map((result) => {
    if (result.outcome === 'gone' || result.outcome === 'failed') assert.fail(`expected the copy pulled, it was ${result.outcome}: ${result.detail}`);
    return result.record;
  });
}

/** "mailbox folder read|unread" for each copy, sorted: what a user would see. */
function placements(tenant: Tenant, messageId = DEMO_MESSAGE_ID): string[] {
  return tenant
    .locate(messageId)
    .map((p) => `${p.mailbox} ${p.folderPath} ${p.isRead ? 'read' : 'unread'}`)
    .sort();
}

test('resolve maps primary addresses and aliases, in any case, to mailboxes and lists to groups', async () => {
  const { provider } = demo();
  const [alias, shared, list] = await provider.resolve(['A.Smith@Demo.Clawback.Test', a.finance, a.allStaff]);
  assert.ok(alias?.kind === 'mailbox');
  assert.equal(alias.address, 'A.Smith@Demo.Clawback.Test', 'the address is reported as asked');
  assert.deepEqual([alias.mailbox.address, alias.mailbox.kind, alias.mailbox.tenantId], [a.alice, 'user', 'demo']);
  assert.ok(shared?.kind === 'mailbox' && shared.mailbox.kind === 'shared');
  assert.ok(list?.kind === 'group' && list.group.address === a.allStaff);
});

test('an unknown address in the tenant\'s domain is unknown with a reason; contacts and other domains are external', async () => {
  const { provider } = demo();
  const [unknown, contact, elsewhere, garbage] = await provider.resolve([`nobody@${DEMO_DOMAIN}`, a.partner, 'x@gmail.example', 'not-an-address']);
  assert.ok(unknown?.kind === 'unknown');
  assert.match(unknown.reason, new RegExp(DEMO_DOMAIN));
  assert.equal(contact?.kind, 'external');
  assert.equal(elsewhere?.kind, 'external');
  assert.equal(garbage?.kind, 'unknown');
});

test('expandGroup flattens nested lists through a cycle, each mailbox once', async () => {
  const { provider } = demo();
  const [list] = await provider.resolve([a.teamEng]);
  assert.ok(list?.kind === 'group');
  const expansion = await provider.expandGroup(list.group);
  assert.deepEqual(expansion.mailboxes.map((m) => m.address).sort(), [a.alice, a.bob, a.carol]);
  assert.deepEqual(expansion.nestedGroups.map((g) => g.address), [a.allStaff]);
  assert.deepEqual(expansion.external, []);
});

test('findCopies finds each copy wherever it sits, with its folder and read state', async () => {
  const { provider, tenant } = demo();
  const found = await Promise.all([a.alice, a.bob, a.carol, a.dave, a.finance].map((address) => copiesIn(provider, address)));
  assert.deepEqual(
    found.map((copies) => copies.map((c) => `${c.mailbox.address} ${c.folderPath} ${c.isRead ? 'read' : 'unread'}`)),
    [[`${a.alice} Inbox unread`], [`${a.bob} Inbox read`], [`${a.carol} Inbox/Invoices unread`], [], [`${a.finance} Junk Email unread`]],
  );
  const carol = found[2]![0]!;
  assert.equal(carol.subject, 'Overdue invoice 4471');
  assert.equal(carol.receivedAt, '2026-12-01T09:14:00Z');
  assert.equal(carol.internetMessageId, DEMO_MESSAGE_ID);
  assert.equal(carol.folderId, tenant.findFolder(carol.mailbox.mailboxId, 'Inbox/Invoices')?.id);
});

test('a found copy keeps its item id when the user moves it before the pull', async () => {
  const { provider, tenant } = demo();
  const [copy] = await copiesIn(provider, a.bob);
  tenant.move(copy!.mailbox.mailboxId, copy!.itemId, 'archive');
  const [again] = await copiesIn(provider, a.bob);
  assert.equal(again?.itemId, copy!.itemId);
  assert.equal(again.folderPath, 'Archive');
  const [pulled] = await provider.quarantine([copy!], 'quarantine-folder', 'incident-1');
  assert.ok(pulled?.outcome === 'pulled');
  assert.equal(pulled.record.copy.folderPath, 'Archive', 'undo returns it where it was at the pull');
});

test('findCopies finds several copies in one mailbox, in Deleted Items and Recoverable Items too', async () => {
  const { provider, tenant } = demo();
  const alice = await mailboxOf(provider, a.alice);
  tenant.deliver({ messageId: DEMO_MESSAGE_ID, from: a.attacker, to: [a.alice], subject: 'Overdue invoice 4471', date: '2026-12-01T09:14:00Z' });
  tenant.deliver({ messageId: DEMO_MESSAGE_ID, from: a.attacker, to: [a.alice], subject: 'Overdue invoice 4471', date: '2026-12-01T09:14:00Z' });
  const [, second, third] = tenant.findMessages(alice.mailboxId, DEMO_MESSAGE_ID);
  tenant.move(alice.mailboxId, second!.itemId, 'deleteditems');
  tenant.move(alice.mailboxId, third!.itemId, 'recoverableitemsdeletions');
  const copies = await provider.findCopies(alice, query);
  assert.deepEqual(copies.map((c) => c.folderPath).sort(), ['Deleted Items', 'Inbox', 'Recoverable Items']);
  assert.equal(new Set(copies.map((c) => c.itemId)).size, 3);
});

test('findCopies falls back on sender, subject and time window when the Message-ID was rewritten', async () => {
  const { provider, tenant } = demo();
  tenant.deliver({ messageId: '<rewritten-9@gateway.example>', from: a.attacker, to: [a.dave], subject: 'Overdue invoice 4471', date: '2026-12-01T09:14:00Z' });
  const dave = await mailboxOf(provider, a.dave);
  const fallback = { messageId: '<unknown@nowhere.example>', sender: a.attacker, subject: 'Overdue invoice 4471' };
  const inWindow = await provider.findCopies(dave, { ...fallback, receivedAfter: '2026-12-01T09:00:00Z', receivedBefore: '2026-12-01T10:00:00Z' });
  assert.deepEqual(inWindow.map((c) => c.internetMessageId), ['<rewritten-9@gateway.example>']);
  assert.deepEqual(await provider.findCopies(dave, { ...fallback, receivedAfter: '2026-12-01T10:00:00Z' }), []);
  assert.deepEqual(await provider.findCopies(dave, { messageId: '<unknown@nowhere.example>' }), [], 'no fallback without sender and subject');
});

test('findForwards finds a forward by the headers naming the original, with its own Message-ID and recipients', async () => {
  const { provider } = demo();
  const [original] = await copiesIn(provider, a.alice);
  const forwards = await provider.findForwards(original!.mailbox, original!);
  assert.deepEqual(
    forwards.map((f) => [f.from.address, f.messageId, f.recipients, f.subject]),
    [[a.alice, DEMO_FORWARD_ID, [a.dave, a.partner], 'FW: Overdue invoice 4471']],
  );
  const [bobs] = await copiesIn(provider, a.bob);
  assert.deepEqual(await provider.findForwards(bobs!.mailbox, bobs!), []);
});

test('findForwards falls back on the "FW:" subject for a forward without linking headers, sent after the original arrived', async () => {
  const { provider, tenant } = demo();
  const sent = (messageId: string, subject: string, date: string, references: string[] = []) =>
    tenant.deliver({ messageId, from: a.bob, to: [a.dave], subject, date, references, deliveries: [{ mailbox: a.bob, folder: 'sentitems', isRead: true }] });
  sent('<plain-fwd@demo.clawback.test>', 'Fwd: overdue invoice 4471', '2026-12-01T10:00:00Z');
  sent('<too-early@demo.clawback.test>', 'FW: Overdue invoice 4471', '2026-12-01T08:00:00Z');
  sent('<other-thread@demo.clawback.test>', 'FW: Overdue invoice 4471', '2026-12-01T10:05:00Z', ['<another-invoice@billing-portal.example>']);
  const [original] = await copiesIn(provider, a.bob);
  const forwards = await provider.findForwards(original!.mailbox, original!);
  assert.deepEqual(forwards.map((f) => f.messageId), ['<plain-fwd@demo.clawback.test>']);
});

test('quarantine moves each copy into a hidden "Clawback Quarantine" folder and records where it was', async () => {
  const { provider, tenant } = demo();
  const [copy] = await copiesIn(provider, a.carol);
  const [result] = await provider.quarantine([copy!], 'quarantine-folder', 'incident-1');
  assert.ok(result?.outcome === 'pulled');
  assert.equal(result.itemId, copy!.itemId);
  const { record } = result;
  assert.deepEqual([record.copy.folderPath, record.copy.folderId, record.copy.isRead], ['Inbox/Invoices', copy!.folderId, false]);
  assert.equal(record.action, 'quarantine-folder');
  assert.ok(!Number.isNaN(Date.parse(record.pulledAt)));

  const mailboxId = copy!.mailbox.mailboxId;
  const folder = tenant.requireFolder(mailboxId, record.quarantineFolderId);
  assert.deepEqual([folder.path, folder.isHidden], [QUARANTINE_FOLDER_NAME, true]);
  assert.ok(!tenant.listFolders(mailboxId).some((f) => f.id === folder.id), 'mail clients do not list it');
  assert.equal(tenant.message(mailboxId, copy!.itemId)?.itemId, record.quarantinedItemId);
  assert.deepEqual(await copiesIn(provider, a.carol), [], 'a contained copy is not found again');
});

test('the quarantine folder is created once per mailbox and reused', async () => {
  const { provider, tenant } = demo();
  const [message] = await copiesIn(provider, a.alice);
  const [forward] = await copiesIn(provider, a.alice, DEMO_FORWARD_ID);
  const [first] = recordsOf(await provider.quarantine([message!], 'quarantine-folder', 'incident-1'));
  const [second] = recordsOf(await provider.quarantine([forward!], 'quarantine-folder', 'incident-2'));
  assert.equal(first!.quarantineFolderId, second!.quarantineFolderId);
  const mailboxId = message!.mailbox.mailboxId;
  assert.equal(tenant.listFolders(mailboxId, { includeHidden: true }).filter((f) => f.path === QUARANTINE_FOLDER_NAME).length, 1);
  assert.equal(second!.copy.folderPath, 'Sent Items');
});

test('quarantine is idempotent when retried after a crash: reported already-quarantined, never moved twice', async () => {
  const { provider, tenant } = demo();
  const [copy] = await copiesIn(provider, a.bob);
  const [first] = recordsOf(await provider.quarantine([copy!], 'quarantine-folder', 'incident-1'));
  const afterFirst = tenant.locate(DEMO_MESSAGE_ID);
  const [again] = await provider.quarantine([copy!], 'quarantine-folder', 'incident-1');
  assert.equal(again?.outcome, 'already-quarantined');
  const [retried] = recordsOf([again!]);
  assert.deepEqual(retried, first, 'the same record: original folder, read state and pull time');
  assert.deepEqual(tenant.locate(DEMO_MESSAGE_ID), afterFirst, 'no second move: the item id did not change');
  assert.equal(retried!.copy.folderPath, 'Inbox');
  assert.equal(retried!.copy.isRead, true);
});

test('quarantine-mailbox keeps one raw copy per incident in the quarantine mailbox and hides the originals', async () => {
  const { provider, tenant } = demo({ quarantine: { mailbox: a.finance } });
  const copies = [...(await copiesIn(provider, a.bob)), ...(await copiesIn(provider, a.carol))];
  const records = recordsOf(await provider.quarantine(copies, 'quarantine-mailbox', 'incident-7'));
  const evidence = records.map((record) => record.evidence);
  assert.ok(evidence[0] && evidence[0].mailbox === a.finance);
  assert.deepEqual(evidence[1], evidence[0], 'one evidence copy for the incident, not one per mailbox');
  assert.deepEqual(
    placements(tenant).filter((p) => p.startsWith(a.bob) || p.startsWith(a.carol) || p.includes('Clawback Incidents')),
    [`${a.bob} ${QUARANTINE_FOLDER_NAME} read`, `${a.carol} ${QUARANTINE_FOLDER_NAME} unread`, `${a.finance} Clawback Incidents/incident-7 unread`],
  );
  assert.deepEqual(
    (await copiesIn(provider, a.finance)).map((copy) => copy.folderPath),
    ['Junk Email'],
    "the quarantine mailbox's own copy is found, its evidence is not",
  );
  await provider.restore(records);
  assert.ok(placements(tenant).includes(`${a.finance} Clawback Incidents/incident-7 unread`), 'undo leaves the evidence');
  assert.ok(placements(tenant).includes(`${a.carol} Inbox/Invoices unread`));
});

test('a pull reports the folders it made once: the hidden quarantine folder, the evidence folders', async () => {
  const { provider, tenant } = demo({ quarantine: { mailbox: a.finance } });
  await checkFolderCreations({
    provider,
    restarted: new SimulatedProvider({ tenant, quarantine: { mailbox: a.finance } }),
    mailbox: (address) => mailboxOf(provider, address),
    quarantineMailbox: a.finance,
    evidencePaths: (incidentId) => [EVIDENCE_FOLDER_NAME, `${EVIDENCE_FOLDER_NAME}/${incidentId}`],
  });
});

test('quarantine-mailbox without a quarantine mailbox is refused before anything moves', async () => {
  const { provider, tenant } = demo();
  const before = tenant.locate(DEMO_MESSAGE_ID);
  await assert.rejects(provider.quarantine(await copiesIn(provider, a.bob), 'quarantine-mailbox', 'incident-8'), (error) => error instanceof ProviderError && error.type === 'ProviderRejected');
  assert.deepEqual(tenant.locate(DEMO_MESSAGE_ID), before);
});

test('soft-delete moves a copy into Recoverable Items and junk into Junk Email', async () => {
  const { provider, tenant } = demo();
  const [alice] = await copiesIn(provider, a.alice);
  const [bob] = await copiesIn(provider, a.bob);
  const [softDeleted] = recordsOf(await provider.quarantine([alice!], 'soft-delete', 'incident-1'));
  const [junked] = recordsOf(await provider.quarantine([bob!], 'junk', 'incident-1'));
  assert.equal(tenant.requireFolder(alice!.mailbox.mailboxId, softDeleted!.quarantineFolderId).wellKnownName, 'recoverableitemsdeletions');
  assert.equal(tenant.requireFolder(bob!.mailbox.mailboxId, junked!.quarantineFolderId).wellKnownName, 'junkemail');
  assert.deepEqual(placements(tenant).filter((p) => p.startsWith(a.alice) || p.startsWith(a.bob)), [
    `${a.alice} Recoverable Items unread`,
    `${a.bob} Junk Email read`,
  ]);
});

test('quarantine of a copy deleted before the pull reports it gone', async () => {
  const { provider, tenant } = demo();
  const [copy] = await copiesIn(provider, a.bob);
  tenant.hardDelete(copy!.mailbox.mailboxId, copy!.itemId);
  const [result] = await provider.quarantine([copy!], 'quarantine-folder', 'incident-1');
  assert.equal(result?.outcome, 'gone');
  assert.equal(result.itemId, copy!.itemId);
});

test('restore puts a copy back in its subfolder with its read state', async () => {
  const { provider, tenant } = demo();
  const before = placements(tenant);
  const copies = [...(await copiesIn(provider, a.carol)), ...(await copiesIn(provider, a.bob))];
  const records = recordsOf(await provider.quarantine(copies, 'quarantine-folder', 'incident-1'));
  for (const record of records) tenant.setRead(record.copy.mailbox.mailboxId, record.quarantinedItemId, !record.copy.isRead);

  const results = await provider.restore(records);
  assert.deepEqual(
    results.map((r) => r.outcome === 'restored' && [r.itemId, r.folderPath, r.originalFolder]),
    [
      [copies[0]!.itemId, 'Inbox/Invoices', true],
      [copies[1]!.itemId, 'Inbox', true],
    ],
  );
  assert.deepEqual(placements(tenant), before);
});

test('restore is idempotent: a second restore reports restored and moves nothing', async () => {
  const { provider, tenant } = demo();
  const records = recordsOf(await provider.quarantine(await copiesIn(provider, a.carol), 'quarantine-folder', 'incident-1'));
  await provider.restore(records);
  const afterFirst = tenant.locate(DEMO_MESSAGE_ID);
  const [again] = await provider.restore(records);
  assert.ok(again?.outcome === 'restored' && again.originalFolder && again.folderPath === 'Inbox/Invoices');
  assert.deepEqual(tenant.locate(DEMO_MESSAGE_ID), afterFirst);
});

test('restore of a copy deleted meanwhile reports it missing', async () => {
  const { provider, tenant } = demo();
  const [record] = recordsOf(await provider.quarantine(await copiesIn(provider, a.bob), 'quarantine-folder', 'incident-1'));
  tenant.hardDelete(record!.copy.mailbox.mailboxId, record!.quarantinedItemId);
  const [result] = await provider.restore([record!]);
  assert.equal(result?.outcome, 'missing');
  assert.equal(result.itemId, record!.copy.itemId);
});

test('restore goes to the Inbox when the original folder was deleted meanwhile', async () => {
  const { provider, tenant } = demo();
  const [record] = recordsOf(await provider.quarantine(await copiesIn(provider, a.carol), 'quarantine-folder', 'incident-1'));
  tenant.deleteFolder(record!.copy.mailbox.mailboxId, 'Inbox/Invoices');
  const [result] = await provider.restore([record!]);
  assert.ok(result?.outcome === 'restored');
  assert.deepEqual([result.folderPath, result.originalFolder], ['Inbox', false]);
  assert.deepEqual(placements(tenant).filter((p) => p.startsWith(a.carol)), [`${a.carol} Inbox unread`]);
});

test('an unknown mailbox is MailboxNotFound, naming the operation', async () => {
  const { provider } = demo();
  const ghost: MailboxRef = { tenantId: 'demo', mailboxId: 'mbx-missing', address: `ghost@${DEMO_DOMAIN}`, kind: 'user' };
  await assert.rejects(
    provider.findCopies(ghost, query),
    (error: unknown) => error instanceof ProviderError && error.type === 'MailboxNotFound' && error.context.operation === 'findCopies',
  );
  const elsewhere = { ...(await mailboxOf(provider, a.bob)), tenantId: 'other-tenant' };
  await assert.rejects(provider.findForwards(elsewhere, (await copiesIn(provider, a.bob))[0]!), (error: unknown) => error instanceof ProviderError && error.type === 'MailboxNotFound');
});

test('open seeds the state file from the scenario, and a reopened provider continues from the file', async () => {
  const stateFile = join(mkdtempSync(join(tmpdir(), 'clawback-state-')), 'nested', 'tenant.json');
  const first = await SimulatedProvider.open({ scenario: demoScenario, stateFile });
  assert.ok(existsSync(stateFile), 'the seeded tenant is saved at once');
  await first.quarantine(await copiesIn(first, a.carol), 'quarantine-folder', 'incident-1');

  const reopened = await SimulatedProvider.open({ scenario: demoScenario, stateFile });
  assert.deepEqual(placements(reopened.tenant), placements(first.tenant));
  assert.ok(placements(reopened.tenant).includes(`${a.carol} ${QUARANTINE_FOLDER_NAME} unread`));
  assert.deepEqual(readdirSync(join(stateFile, '..')), ['tenant.json'], 'no temporary file is left behind');
});

test('the state file, read at any moment of a slow batch, shows every copy either where it was or in quarantine', async () => {
  const stateFile = join(mkdtempSync(join(tmpdir(), 'clawback-state-')), 'tenant.json');
  const provider = await SimulatedProvider.open({ scenario: demoScenario, stateFile, delaysMs: { move: 60 } });
  const before = new Map(provider.tenant.locate(DEMO_MESSAGE_ID).map((p) => [p.immutableId, p.folderPath]));
  const copies = (await Promise.all([a.alice, a.bob, a.carol, a.finance].map((address) => copiesIn(provider, address)))).flat();

  let finished = false;
  const batch = provider.quarantine(copies, 'quarantine-folder', 'incident-1').finally(() => (finished = true));
  const pulledCounts = new Set<number>();
  while (!finished) {
    const onDisk = Tenant.fromJSON(JSON.parse(readFileSync(stateFile, 'utf8'))).locate(DEMO_MESSAGE_ID);
    assert.deepEqual(new Set(onDisk.map((p) => p.immutableId)), new Set(before.keys()), 'every copy exactly once');
    for (const placement of onDisk) {
      assert.ok([before.get(placement.immutableId), QUARANTINE_FOLDER_NAME].includes(placement.folderPath), placement.folderPath);
    }
    pulledCounts.add(onDisk.filter((p) => p.folderPath === QUARANTINE_FOLDER_NAME).length);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await batch;
  assert.ok([...pulledCounts].some((n) => n > 0 && n < copies.length), 'the file was observed mid-batch');
  const final = Tenant.fromJSON(JSON.parse(readFileSync(stateFile, 'utf8'))).locate(DEMO_MESSAGE_ID);
  assert.ok(final.every((p) => p.folderPath === QUARANTINE_FOLDER_NAME));
});
