import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEMO_ADMIN_KEY, DEMO_SOURCE_KEY, startStack, uniqueScenario } from './support/stack.js';
import { DEMO_MESSAGE_ID, DEMO_FORWARD_ID, DEMO_BENIGN_MESSAGE_ID, DEMO_DOMAIN, DEMO_TENANT_ID } from '../src/sim/demo.js';
import { SYNTHETIC_CAMPAIGN_ID, syntheticScenario } from '../src/sim/generate.js';
import { parseScenario } from '../src/sim/scenario.js';

const QUARANTINE = 'Clawback Quarantine';
const exampleAlert = JSON.parse(readFileSync(new URL('../examples/alert.json', import.meta.url), 'utf8'));

const stacks: { stop(): Promise<void> }[] = [];
after(async () => {
  await Promise.all(stacks.map((s) => s.stop()));
});

async function demo(options: Omit<Parameters<typeof startStack>[0], 'scenario'> = {}) {
  const { scenario, rename } = uniqueScenario();
  const stack = await startStack({ scenario, ...options });
  stacks.push(stack);
  const alert = { ...exampleAlert, messageId: rename(exampleAlert.messageId) };
  const ids = { message: rename(DEMO_MESSAGE_ID), forward: rename(DEMO_FORWARD_ID), benign: rename(DEMO_BENIGN_MESSAGE_ID) };
  return { stack, alert, ids };
}

/** Where each copy is, keyed by mailbox and message, for before/after comparisons. */
function placements(stack: Awaited<ReturnType<typeof startStack>>, ...messageIds: string[]) {
  return messageIds
    .flatMap((id) => stack.tenant.locate(id).map((p) => `${id} ${p.mailbox} ${p.folderPath} ${p.isRead ? 'read' : 'unread'}`))
    .sort();
}

const settled = (s: any) => !['pulling', 'awaiting-approval', 'undoing'].includes(s.status);

test('an alert pulls every copy into quarantine: moved, list and forwarded copies included', async () => {
  const { stack, alert, ids } = await demo();
  const before = stack.tenant.locate(ids.message).length + stack.tenant.locate(ids.forward).length;
  const benignBefore = placements(stack, ids.benign);

  const accepted = await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: alert });
  assert.equal(accepted.status, 202);
  assert.equal(accepted.body.status, 'started');
  assert.equal(accepted.body.workflowId, `incident-${accepted.body.incidentId}`);

  const incident = await stack.waitFor(accepted.body.incidentId, settled);
  assert.equal(incident.status, 'contained');
  for (const id of [ids.message, ids.forward]) {
    const outside = stack.tenant.locate(id).filter((p) => p.folderPath !== QUARANTINE);
    assert.deepEqual(outside, [], `copies of ${id} left outside quarantine`);
  }
  assert.equal(incident.counts.copiesFound, before);
  assert.equal(incident.counts.copiesPulled, before);
  assert.ok(incident.copies.some((c: any) => c.folderPath === 'Inbox/Invoices'), 'the copy moved to a subfolder was found');
  assert.ok(incident.copies.some((c: any) => c.provenance.via === 'list'), 'list copies carry their list');
  assert.ok(incident.copies.some((c: any) => c.provenance.via === 'forward' && c.messageId === ids.forward));
  assert.deepEqual(incident.forwards.map((f: any) => f.messageId), [ids.forward]);
  assert.ok(incident.residualExposure.some((r: any) => r.reason === 'external' && r.address === 'partner@outside.example'));
  assert.equal(incident.audit.filter((a: any) => a.action === 'quarantine').length, before);
  assert.deepEqual(placements(stack, ids.benign), benignBefore, 'an unrelated message was touched');
  assert.equal(incident.links.temporalUi, `http://localhost:8233/namespaces/default/workflows/${accepted.body.workflowId}/${incident.runId}/history`);
});

test('the same alert again, or another source about the same message, merges into the one incident', async () => {
  const { stack, alert } = await demo();
  const first = await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: alert });
  await stack.waitFor(first.body.incidentId, settled);
  const again = await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: alert });
  const other = await stack.request('POST', '/v1/alerts', {
    key: DEMO_SOURCE_KEY,
    body: { ...alert, alertId: 'another-detector-77', messageId: alert.messageId.replace(/@(.*)>$/, (_: string, domain: string) => `@${domain.toUpperCase()}>`) },
  });
  assert.deepEqual([again.status, again.body.status], [202, 'merged']);
  assert.deepEqual([other.status, other.body.status], [202, 'merged']);
  assert.equal(again.body.workflowId, first.body.workflowId);
  assert.equal(other.body.workflowId, first.body.workflowId, 'the domain part of a Message-ID is case-insensitive');

  const incident = await stack.waitFor(first.body.incidentId, (s) => s.alertKeys.length === 2 && settled(s));
  assert.equal(incident.status, 'contained');
  assert.equal(incident.audit.filter((a: any) => a.action === 'quarantine').length, incident.counts.copiesFound, 'one pull per copy');
});

test('a merged alert naming a new recipient pulls that mailbox too', async () => {
  const { stack, alert, ids } = await demo();
  const first = await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: { ...alert, recipients: ['bob@demo.clawback.test'] } });
  const one = await stack.waitFor(first.body.incidentId, settled);
  assert.equal(one.counts.copiesPulled, 1);
  await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: { ...alert, alertId: 'second', recipients: ['carol@demo.clawback.test'] } });
  const two = await stack.waitFor(first.body.incidentId, (s) => s.counts.copiesPulled === 2 && settled(s));
  assert.equal(two.status, 'contained');
  assert.deepEqual(
    stack.tenant.locate(ids.message).filter((p) => p.folderPath === QUARANTINE).map((p) => p.mailbox).sort(),
    ['bob@demo.clawback.test', 'carol@demo.clawback.test'],
  );
});

test('undo puts every copy back in its original folder with its read state, once', async () => {
  const { stack, alert, ids } = await demo();
  const before = placements(stack, ids.message, ids.forward);
  const { body } = await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: alert });
  await stack.waitFor(body.incidentId, settled);
  assert.notDeepEqual(placements(stack, ids.message, ids.forward), before);

  const bySource = await stack.request('POST', `/v1/incidents/${body.incidentId}/undo`, { key: DEMO_SOURCE_KEY, body: {} });
  assert.equal(bySource.status, 403, 'an alert source cannot undo');
  const undone = await stack.request('POST', `/v1/incidents/${body.incidentId}/undo`, { key: DEMO_ADMIN_KEY, body: { reason: 'false positive' } });
  assert.equal(undone.status, 200);
  assert.equal(undone.body.status, 'undone');
  assert.equal(undone.body.counts.copiesRestored, undone.body.counts.copiesPulled);
  assert.deepEqual(placements(stack, ids.message, ids.forward), before);
  assert.ok(undone.body.audit.some((a: any) => a.action === 'undo' && a.actor === 'admin:demo-admin' && a.detail === 'false positive'));

  const twice = await stack.request('POST', `/v1/incidents/${body.incidentId}/undo`, { key: DEMO_ADMIN_KEY });
  assert.equal(twice.status, 409);
  assert.deepEqual(placements(stack, ids.message, ids.forward), before);
});

test('undo of some mailboxes restores only theirs; sweeps leave them alone until an explicit re-pull', async () => {
  const { stack, alert, ids } = await demo({ incident: { lateCopies: { watchMs: 120_000, sweepEveryMs: 1000 } } });
  const bob = 'bob@demo.clawback.test';
  const carol = 'carol@demo.clawback.test';
  const where = (address: string) => stack.tenant.locate(ids.message).filter((p) => p.mailbox === address).map((p) => p.folderPath);
  const { body } = await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: alert });
  const pulled = await stack.waitFor(body.incidentId, settled);
  assert.equal(pulled.status, 'contained');

  const unknown = await stack.request('POST', `/v1/incidents/${body.incidentId}/undo`, { key: DEMO_ADMIN_KEY, body: { mailboxes: ['nobody@demo.clawback.test'] } });
  assert.equal(unknown.status, 409);
  assert.match(unknown.body.error.message, /no copy of this incident is in nobody@demo\.clawback\.test/);
  const nothingUndone = await stack.request('POST', `/v1/incidents/${body.incidentId}/repull`, { key: DEMO_ADMIN_KEY, body: {} });
  assert.equal(nothingUndone.status, 409);

  const partial = await stack.request('POST', `/v1/incidents/${body.incidentId}/undo`, { key: DEMO_ADMIN_KEY, body: { mailboxes: [bob, carol], reason: 'asked by legal' } });
  assert.equal(partial.status, 200);
  assert.equal(partial.body.status, 'partially-contained');
  assert.deepEqual(partial.body.residualExposure.filter((r: any) => r.reason === 'undone').map((r: any) => r.address).sort(), [bob, carol]);
  assert.deepEqual([where(bob), where(carol)], [['Inbox'], ['Inbox/Invoices']]);
  assert.ok(stack.tenant.locate(ids.message).filter((p) => p.mailbox !== bob && p.mailbox !== carol).every((p) => p.folderPath === QUARANTINE));

  // Sweeps keep running but leave the undone mailboxes alone.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  assert.deepEqual([where(bob), where(carol)], [['Inbox'], ['Inbox/Invoices']]);

  const repull = await stack.request('POST', `/v1/incidents/${body.incidentId}/repull`, { key: DEMO_ADMIN_KEY, body: { mailboxes: [bob] } });
  assert.equal(repull.status, 200);
  const after = await stack.waitFor(body.incidentId, (s) => settled(s) && where(bob)[0] === QUARANTINE);
  assert.deepEqual([where(bob), where(carol)], [[QUARANTINE], ['Inbox/Invoices']]);
  assert.deepEqual(after.residualExposure.filter((r: any) => r.reason === 'undone').map((r: any) => r.address), [carol]);
  assert.ok(after.audit.some((a: any) => a.action === 'repull' && a.detail.includes(bob)));
});

test('after a whole undo the incident stays open and an explicit re-pull pulls everything again', async () => {
  const { stack, alert, ids } = await demo();
  const { body } = await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: alert });
  const pulled = await stack.waitFor(body.incidentId, settled);
  await stack.request('POST', `/v1/incidents/${body.incidentId}/undo`, { key: DEMO_ADMIN_KEY, body: {} });
  assert.ok(stack.tenant.locate(ids.message).every((p) => p.folderPath !== QUARANTINE));
  const repull = await stack.request('POST', `/v1/incidents/${body.incidentId}/repull`, { key: DEMO_ADMIN_KEY, body: { reason: 'it was phish after all' } });
  assert.equal(repull.status, 200);
  const again = await stack.waitFor(body.incidentId, (s) => s.status === 'contained');
  assert.deepEqual(stack.tenant.locate(ids.message).filter((p) => p.folderPath !== QUARANTINE), []);
  assert.equal(again.copies.filter((c: any) => c.status === 'pulled').length, pulled.counts.copiesPulled);
});

test("a tenant's stricter policy wins over the source's", async () => {
  const { stack, alert } = await demo({ policy: 'auto', tenantPolicy: 'record' });
  const { body } = await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: alert });
  const recorded = await stack.waitFor(body.incidentId, settled);
  assert.deepEqual([recorded.policy, recorded.status], ['record', 'recorded']);
});

test('undo reports a copy that was deleted meanwhile instead of skipping it', async () => {
  const { stack, alert, ids } = await demo();
  const { body } = await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: alert });
  const pulled = await stack.waitFor(body.incidentId, settled);
  const victim = pulled.copies.find((c: any) => c.mailbox.address === 'bob@demo.clawback.test');
  stack.tenant.hardDelete(victim.mailbox.mailboxId, victim.record.quarantinedItemId);
  const undone = await stack.request('POST', `/v1/incidents/${body.incidentId}/undo`, { key: DEMO_ADMIN_KEY });
  assert.equal(undone.status, 200);
  const bob = undone.body.copies.find((c: any) => c.key === victim.key);
  assert.equal(bob.status, 'missing');
  assert.equal(undone.body.counts.copiesRestored, pulled.counts.copiesPulled - 1);
  assert.ok(stack.tenant.locate(ids.message).every((p) => p.folderPath !== QUARANTINE));
});

test('an approval policy searches, waits for an admin, then pulls', async () => {
  const { stack, alert, ids } = await demo({ policy: 'approval' });
  const before = placements(stack, ids.message);
  const { body } = await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: alert });
  const waiting = await stack.waitFor(body.incidentId, (s) => s.status === 'awaiting-approval');
  assert.ok(waiting.counts.copiesFound > 0, 'the approver sees the blast radius');
  assert.deepEqual(placements(stack, ids.message), before, 'nothing moves before approval');

  assert.equal((await stack.request('POST', `/v1/incidents/${body.incidentId}/undo`, { key: DEMO_ADMIN_KEY })).status, 409);
  const approved = await stack.request('POST', `/v1/incidents/${body.incidentId}/approve`, { key: DEMO_ADMIN_KEY, body: { reason: 'confirmed phish' } });
  assert.equal(approved.status, 200);
  const done = await stack.waitFor(body.incidentId, settled);
  assert.equal(done.status, 'contained');
  assert.ok(done.audit.some((a: any) => a.action === 'quarantine' && a.actor === 'admin:demo-admin'));
  assert.equal((await stack.request('POST', `/v1/incidents/${body.incidentId}/approve`, { key: DEMO_ADMIN_KEY })).status, 409);
});

test('an auto policy escalates to approval when a shared mailbox holds a copy, and excluded mailboxes stay untouched', async () => {
  const { stack, alert, ids } = await demo({ incident: { approvalWhen: { vipMailboxes: [], sharedMailboxes: true }, excludedMailboxes: ['carol@demo.clawback.test'] } });
  const { body } = await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: alert });
  const waiting = await stack.waitFor(body.incidentId, (s) => s.status === 'awaiting-approval');
  assert.equal(waiting.policy, 'auto');
  assert.ok(waiting.audit.some((a: any) => a.action === 'escalate' && /shared mailbox\(es\) finance@demo\.clawback\.test/.test(a.detail)));
  assert.ok(stack.tenant.locate(ids.message).every((p) => p.folderPath !== QUARANTINE), 'nothing moves before approval');
  await stack.request('POST', `/v1/incidents/${body.incidentId}/approve`, { key: DEMO_ADMIN_KEY });
  const done = await stack.waitFor(body.incidentId, settled);
  assert.equal(done.status, 'contained');
  assert.deepEqual(
    done.residualExposure.filter((r: any) => r.reason === 'excluded').map((r: any) => r.address),
    ['carol@demo.clawback.test'],
  );
  assert.deepEqual(
    stack.tenant.locate(ids.message).filter((p) => p.folderPath !== QUARANTINE).map((p) => p.mailbox),
    ['carol@demo.clawback.test'],
  );
});

test('the audit trail exports as JSON lines and as CSV, every mutation with mailbox, item, from, to and result, formulas escaped', async () => {
  const { stack, alert } = await demo({ policy: 'approval' });
  const { body } = await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: alert });
  await stack.waitFor(body.incidentId, (s) => s.status === 'awaiting-approval');
  await stack.request('POST', `/v1/incidents/${body.incidentId}/approve`, { key: DEMO_ADMIN_KEY, body: { reason: '=HYPERLINK("https://evil.example")' } });
  const done = await stack.waitFor(body.incidentId, settled);

  const jsonl = await stack.raw('GET', `/v1/incidents/${body.incidentId}/audit`, DEMO_SOURCE_KEY);
  assert.equal(jsonl.status, 200);
  assert.match(jsonl.headers.get('content-type') ?? '', /application\/x-ndjson/);
  const entries = (await jsonl.text()).trimEnd().split('\n').map((line) => JSON.parse(line));
  assert.equal(entries.length, done.audit.length);
  const moves = entries.filter((e) => e.action === 'quarantine');
  assert.equal(moves.length, done.counts.copiesPulled);
  for (const move of moves) {
    assert.equal(move.incidentId, body.incidentId);
    assert.equal(move.actor, 'admin:demo-admin');
    assert.equal(move.result, 'pulled');
    assert.equal(move.to, 'quarantine folder');
    assert.ok(move.mailbox && move.itemId && move.newItemId && move.from, JSON.stringify(move));
  }
  assert.ok(moves.some((m) => m.mailbox === 'carol@demo.clawback.test' && m.from === 'Inbox/Invoices'));

  const csv = await stack.raw('GET', `/v1/incidents/${body.incidentId}/audit?format=csv`, DEMO_SOURCE_KEY);
  assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
  const lines = (await csv.text()).trimEnd().split('\n');
  assert.equal(lines[0], 'incidentId,at,actor,action,mailbox,itemId,newItemId,from,to,result,target,detail');
  assert.equal(lines.length, entries.length + 1);
  const approval = lines.find((line) => line.includes(',approve,'));
  assert.ok(approval?.endsWith(`"'=HYPERLINK(""https://evil.example"")"`), approval);

  assert.equal((await stack.raw('GET', `/v1/incidents/${body.incidentId}/audit?format=xml`, DEMO_SOURCE_KEY)).status, 400);
  assert.equal((await stack.raw('GET', `/v1/incidents/${body.incidentId}/audit`)).status, 401);
});

test('each quarantine folder a pull made is audited once, before the moves into it, as the pull\'s actor', async () => {
  const { stack, alert } = await demo();
  const { body } = await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: alert });
  const { audit, copies } = await stack.waitFor(body.incidentId, settled);

  const creations = audit.filter((entry: any) => entry.action === 'folder-create');
  const pulledInto = [...new Set(copies.filter((c: any) => c.status === 'pulled').map((c: any) => c.mailbox.address))].sort();
  assert.ok(pulledInto.length > 1);
  assert.deepEqual(creations.map((entry: any) => entry.mailbox).sort(), pulledInto, 'one entry per mailbox that got a quarantine folder');
  for (const entry of creations) {
    const mailbox = stack.tenant.resolveAddress(entry.mailbox);
    assert.ok(mailbox?.kind === 'mailbox');
    const folder = stack.tenant.findFolder(mailbox.mailbox.id, QUARANTINE);
    const moves = audit.filter((move: any) => move.action === 'quarantine' && move.mailbox === entry.mailbox);
    const { at, detail, ...fields } = entry;
    assert.deepEqual(fields, {
      actor: moves[0].actor,
      action: 'folder-create',
      target: `${entry.mailbox} ${QUARANTINE}`,
      mailbox: entry.mailbox,
      itemId: folder?.id,
      to: QUARANTINE,
      result: 'created',
    });
    assert.match(detail, /^hidden folder created for quarantine-folder/);
    assert.ok(!Number.isNaN(Date.parse(at)));
    assert.ok(audit.indexOf(entry) < audit.indexOf(moves[0]), 'made before anything was moved into it');
  }
});

test('a copy delivered late is found by a sweep during the watch and pulled', async () => {
  const { stack, alert, ids } = await demo({ incident: { lateCopies: { watchMs: 60_000, sweepEveryMs: 1000 } } });
  const { body } = await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: alert });
  const first = await stack.waitFor(body.incidentId, settled);
  assert.equal(first.status, 'contained');
  // Queued upstream: a second copy reaches Bob's Inbox after the pull.
  stack.tenant.deliver({ messageId: ids.message, from: 'billing@billing-portal.example', to: ['bob@demo.clawback.test'], subject: 'Overdue invoice 4471', date: '2026-12-01T09:14:00Z' });
  const swept = await stack.waitFor(body.incidentId, (s) => s.counts.copiesPulled > first.counts.copiesPulled && settled(s));
  assert.equal(swept.status, 'contained');
  assert.equal(swept.counts.copiesPulled, first.counts.copiesPulled + 1);
  assert.ok(swept.audit.some((a: any) => a.action === 'search' && /late-copy sweep found 1 new copy/.test(a.detail)));
  assert.ok(stack.tenant.locate(ids.message).every((p) => p.folderPath === QUARANTINE));
});

test('the forward graph is served as SVG and linked from the incident details the Temporal UI shows', async () => {
  const { stack, alert } = await demo();
  const { body } = await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: alert });
  await stack.waitFor(body.incidentId, settled);
  const svg = await stack.raw('GET', `/v1/incidents/${body.incidentId}/graph.svg`, DEMO_SOURCE_KEY);
  assert.equal(svg.status, 200);
  assert.match(svg.headers.get('content-type') ?? '', /image\/svg\+xml/);
  const picture = (await svg.text()).replaceAll('&#45;', '-');
  for (const address of ['all-staff@demo.clawback.test', 'dave@demo.clawback.test', 'partner@outside.example']) assert.ok(picture.includes(address), address);
  assert.equal((await stack.raw('GET', '/v1/incidents/incident-000000000000000000000000/graph.svg', DEMO_SOURCE_KEY)).status, 404);

  // What the Temporal UI reads for the details above the history.
  const metadata: { currentDetails?: string } = await stack.client.workflow.getHandle(body.workflowId).query('__temporal_workflow_metadata');
  assert.match(metadata.currentDetails ?? '', /^\*\*contained\*\*/);
  assert.ok(metadata.currentDetails?.includes(`(http://localhost:8080/v1/incidents/${body.incidentId}/graph.svg)`), metadata.currentDetails);
});

test('copies and audit entries are read page by page; a bad page is a 400', async () => {
  const { stack, alert } = await demo();
  const { body } = await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: alert });
  const all = await stack.waitFor(body.incidentId, settled);
  const page = await stack.request('GET', `/v1/incidents/${body.incidentId}?copiesOffset=2&copiesLimit=3&auditLimit=1`, { key: DEMO_SOURCE_KEY });
  assert.equal(page.status, 200);
  assert.deepEqual(page.body.copies.map((c: any) => c.key), all.copies.slice(2, 5).map((c: any) => c.key));
  assert.deepEqual(page.body.pages.copies, { offset: 2, limit: 3, total: all.copies.length });
  assert.equal(page.body.audit.length, 1);
  assert.equal(page.body.pages.audit.total, all.audit.length);
  assert.equal((await stack.request('GET', `/v1/incidents/${body.incidentId}?copiesLimit=0`, { key: DEMO_SOURCE_KEY })).status, 400);
  assert.equal((await stack.request('GET', `/v1/incidents/${body.incidentId}?copiesLimit=9999`, { key: DEMO_SOURCE_KEY })).status, 400);
});

test('a forward chain of depth 3 through a nested list is followed to its end; a forward outside is residual', async () => {
  const d = 'demo.clawback.test';
  const { scenario, rename } = uniqueScenario(
    parseScenario({
      tenantId: 'demo',
      domains: [d],
      users: ['ann', 'ben', 'cat', 'dan', 'eve'].map((name) => ({ address: `${name}@${d}` })),
      groups: [
        { address: `outer@${d}`, members: [`inner@${d}`] },
        { address: `inner@${d}`, members: [`ann@${d}`, `outer@${d}`] },
      ],
      messages: [{ messageId: '<chain@evil.example>', from: 'bad@evil.example', to: [`outer@${d}`], subject: 'Invoice', date: '2026-12-01T09:00:00Z' }],
      forwards: [
        { of: '<chain@evil.example>', by: `ann@${d}`, messageId: `<fw1@${d}>`, to: [`ben@${d}`], date: '2026-12-01T09:10:00Z' },
        { of: `<fw1@${d}>`, by: `ben@${d}`, messageId: `<fw2@${d}>`, to: [`cat@${d}`], date: '2026-12-01T09:20:00Z' },
        { of: `<fw2@${d}>`, by: `cat@${d}`, messageId: `<fw3@${d}>`, to: [`dan@${d}`, 'friend@outside.example'], date: '2026-12-01T09:30:00Z' },
      ],
    }),
  );
  const stack = await startStack({ scenario });
  stacks.push(stack);
  const ids = ['<chain@evil.example>', `<fw1@${d}>`, `<fw2@${d}>`, `<fw3@${d}>`].map(rename);
  const alert = { messageId: ids[0], sender: 'bad@evil.example', recipients: [`outer@${d}`], threat: { classification: 'phish' } };
  const { body } = await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: alert });
  const done = await stack.waitFor(body.incidentId, settled);
  assert.equal(done.status, 'contained');
  assert.deepEqual(done.forwards.map((f: any) => [f.from, f.depth]), [[`ann@${d}`, 1], [`ben@${d}`, 2], [`cat@${d}`, 3]]);
  for (const id of ids) assert.deepEqual(stack.tenant.locate(id).filter((p) => p.folderPath !== QUARANTINE), [], `${id} left outside quarantine`);
  assert.ok(stack.tenant.locate(ids[3]!).some((p) => p.mailbox === `dan@${d}`), 'the third hop reached dan');
  assert.deepEqual(done.residualExposure.map((r: any) => `${r.address} ${r.reason}`), ['friend@outside.example external']);
  assert.ok(done.copies.some((c: any) => c.provenance.via === 'list' && c.provenance.through === `outer@${d}`));
});

test('a record policy reports the blast radius and moves nothing', async () => {
  const { stack, alert, ids } = await demo({ policy: 'record' });
  const before = placements(stack, ids.message, ids.forward);
  const { body } = await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: alert });
  const recorded = await stack.waitFor(body.incidentId, settled);
  assert.equal(recorded.status, 'recorded');
  assert.ok(recorded.copies.length > 0 && recorded.copies.every((c: any) => c.status === 'recorded'));
  assert.deepEqual(placements(stack, ids.message, ids.forward), before);
});

test('a list larger than a page of members arrives page by page, and every member is searched and pulled', async () => {
  const synthetic = syntheticScenario({ mailboxes: 230, listFanout: 100, forwardChains: 0, forwardChainLength: 0, noisePerMailbox: 0, domain: DEMO_DOMAIN });
  const { scenario, rename } = uniqueScenario(parseScenario({ ...synthetic, tenantId: DEMO_TENANT_ID }));
  const stack = await startStack({ scenario, incident: { listPageSize: 100, lateCopies: { watchMs: 0, sweepEveryMs: 1000 } } });
  stacks.push(stack);
  const accepted = await stack.request('POST', '/v1/alerts', {
    key: DEMO_SOURCE_KEY,
    body: { messageId: rename(SYNTHETIC_CAMPAIGN_ID), sender: 'campaign@bulk-sender.example', recipients: [`all-hands@${DEMO_DOMAIN}`], threat: { classification: 'phish' } },
  });
  assert.equal(accepted.status, 202);
  const incident = await stack.waitFor(accepted.body.incidentId, settled, 60_000);
  assert.equal(incident.status, 'contained');
  assert.equal(incident.counts.mailboxesSearched, 230);
  assert.equal(incident.counts.copiesPulled, 230);
  const history = await stack.client.workflow.getHandle(accepted.body.workflowId).fetchHistory();
  const pages = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'expandListsPage');
  assert.equal(pages.length, 3, '230 members of the nested lists in pages of 100');
});

test('a long-lived incident continues as new with its whole state: state, merges, late copies and undo carry across runs', async () => {
  const { stack, alert, ids } = await demo({ incident: { continueAsNewAfterEvents: 80, lateCopies: { watchMs: 120_000, sweepEveryMs: 1000 } } });
  const before = placements(stack, ids.message, ids.forward);
  const { body } = await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: alert });
  const handle = stack.client.workflow.getHandle(body.workflowId);
  const firstRun = (await handle.describe()).runId;
  const contained = await stack.waitFor(body.incidentId, (s) => s.status === 'contained');

  const deadline = Date.now() + 30_000;
  while ((await handle.describe()).runId === firstRun) {
    if (Date.now() > deadline) throw new Error('the incident never continued as new');
    await new Promise((r) => setTimeout(r, 200));
  }
  const carried = await stack.waitFor(body.incidentId, settled);
  assert.equal(carried.status, 'contained');
  assert.deepEqual(
    carried.copies.map((c: any) => `${c.key} ${c.status} ${c.record?.quarantinedItemId}`),
    contained.copies.map((c: any) => `${c.key} ${c.status} ${c.record?.quarantinedItemId}`),
  );
  assert.deepEqual(carried.audit.slice(0, contained.audit.length), contained.audit);
  assert.deepEqual(carried.residualExposure, contained.residualExposure);

  // Alerts are handled in order: once the later, different one is merged, the resend was handled.
  await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: alert });
  await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: { ...alert, alertId: `${alert.alertId}-again` } });
  const merged = await stack.waitFor(body.incidentId, (s) => s.alertKeys.length > carried.alertKeys.length);
  assert.deepEqual(merged.alertKeys.slice(0, -1), carried.alertKeys, 'the resent first alert is still known: it added no key');
  assert.deepEqual(merged.sources, carried.sources);
  assert.deepEqual(merged.audit.slice(carried.audit.length).map((a: any) => a.action), ['merge'], 'only the later alert was merged');

  stack.tenant.deliver({ messageId: ids.message, from: 'billing@billing-portal.example', to: ['bob@demo.clawback.test'], subject: 'Overdue invoice 4471', date: '2026-12-01T09:14:00Z' });
  await stack.waitFor(body.incidentId, (s) => s.counts.copiesPulled === contained.counts.copiesPulled + 1 && settled(s));

  const undone = await stack.request('POST', `/v1/incidents/${body.incidentId}/undo`, { key: DEMO_ADMIN_KEY, body: { reason: 'false positive' } });
  assert.equal(undone.status, 200);
  assert.equal(undone.body.counts.copiesRestored, contained.counts.copiesPulled + 1);
  const restored = placements(stack, ids.message, ids.forward);
  // Bob's late copy is back too: one more placement than before the incident.
  assert.deepEqual(restored.filter((p) => !before.includes(p)), [`${ids.message} bob@demo.clawback.test Inbox unread`]);
  assert.ok(before.every((p) => restored.includes(p)));
});
