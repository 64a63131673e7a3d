import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Incident } from '../workflows/incident-state.js';
import { IncidentOptions, type IncidentInput } from '../src/domain/incident.js';
import { Alert } from '../src/domain/alert.js';
import type { MailboxRef, MessageCopy } from '../src/domain/mail.js';

const alert = Alert.parse({
  messageId: '<m1@evil.example>',
  sender: 'bad@evil.example',
  recipients: ['a@corp.example', 'list@corp.example'],
  threat: { classification: 'phish' },
});

function newIncident(overrides: Partial<IncidentInput> = {}): Incident {
  return new Incident({
    incidentId: 'i1',
    alert,
    alertKey: 'src:1',
    source: 'src',
    policy: 'auto',
    options: IncidentOptions.parse({}),
    ...overrides,
  });
}

const mailbox = (id: string): MailboxRef => ({ tenantId: 't', mailboxId: id, address: `${id}@corp.example`, kind: 'user' });
const copyIn = (box: MailboxRef, itemId: string): MessageCopy => ({
  mailbox: box,
  itemId,
  internetMessageId: alert.messageId,
  folderId: 'inbox',
  folderPath: 'Inbox',
  isRead: false,
});

test('the first delivery of the starting alert says started; a re-sent alert or a second alert says merged', () => {
  const incident = newIncident();
  assert.equal(incident.receiveAlert({ alert, source: 'src', alertKey: 'src:1' }), 'started');
  assert.equal(incident.receiveAlert({ alert, source: 'src', alertKey: 'src:1' }), 'merged');
  assert.equal(incident.receiveAlert({ alert: { ...alert, recipients: ['b@corp.example'] }, source: 'other', alertKey: 'other:9' }), 'merged');
  assert.deepEqual(incident.state.sources, ['src', 'other']);
  assert.deepEqual(incident.state.recipients, ['a@corp.example', 'list@corp.example', 'b@corp.example']);
});

test('a merged alert queues only recipients not seen before', () => {
  const incident = newIncident();
  incident.nextTarget();
  incident.receiveAlert({ alert, source: 'src', alertKey: 'src:2' });
  assert.equal(incident.hasPendingTargets(), false);
  incident.receiveAlert({ alert: { ...alert, recipients: ['a@corp.example', 'new@corp.example'] }, source: 'src', alertKey: 'src:3' });
  assert.deepEqual(incident.nextTarget()?.recipients.map((r) => r.address), ['new@corp.example']);
});

test('a mailbox is searched once per message, however many lists lead to it', () => {
  const incident = newIncident();
  const target = incident.nextTarget()!;
  const a = { mailbox: mailbox('a'), provenance: { via: 'direct' as const, depth: 0 } };
  assert.equal(incident.claimUnsearched(target, [a, a]).length, 1);
  assert.equal(incident.claimUnsearched(target, [a]).length, 0);
  assert.equal(incident.claimUnsearched({ ...target, messageId: '<fwd@corp.example>', depth: 1 }, [a]).length, 1);
});

test('contained when every copy is pulled; external recipients are listed but do not block', () => {
  const incident = newIncident();
  const target = incident.nextTarget()!;
  incident.acceptResolutions(target, [{ kind: 'external', address: 'x@else.example' }]);
  const batch = [{ mailbox: mailbox('a'), provenance: { via: 'direct' as const, depth: 0 } }];
  const [found] = incident.acceptSearch(batch, [copyIn(mailbox('a'), 'item-1')], []);
  const [copy] = incident.foundCopies([found!]);
  incident.acceptPulls(
    [{ copyKey: found!.key, result: { outcome: 'pulled', itemId: 'item-1', record: { copy: copy!, action: 'quarantine-folder', quarantinedItemId: 'q1', quarantineFolderId: 'qf', pulledAt: 'now' } } }],
    'quarantine-folder',
  );
  assert.equal(incident.settle(), 'contained');
  assert.deepEqual(incident.state.residualExposure.map((r) => r.reason), ['external']);
  assert.equal(incident.state.audit.filter((a) => a.action === 'quarantine').length, 1);
});

test('an unknown recipient or a failed pull makes the incident partially contained, all failures make it failed', () => {
  const partial = newIncident();
  const t1 = partial.nextTarget()!;
  partial.acceptResolutions(t1, [{ kind: 'unknown', address: 'gone@corp.example', reason: 'no such mailbox' }]);
  const [f1] = partial.acceptSearch([], [copyIn(mailbox('a'), 'i1')], []);
  const [c1] = partial.foundCopies([f1!]);
  partial.acceptPulls([{ copyKey: f1!.key, result: { outcome: 'pulled', itemId: 'i1', record: { copy: c1!, action: 'junk', quarantinedItemId: 'q', quarantineFolderId: 'j', pulledAt: 'now' } } }], 'junk');
  assert.equal(partial.settle(), 'partially-contained');

  const failed = newIncident();
  failed.nextTarget();
  const [f2] = failed.acceptSearch([], [copyIn(mailbox('b'), 'i2')], []);
  failed.failPulls(failed.foundCopies([f2!]), 'quarantine-folder', 'Throttled: try later');
  assert.equal(failed.settle(), 'failed');
  assert.equal(failed.state.residualExposure[0]?.reason, 'provider-failure');
});

test('a folder made by a pull whose copy turned out gone is still audited, before the pull, with the evidence folder', () => {
  const incident = newIncident();
  incident.nextTarget();
  const [found] = incident.acceptSearch([], [copyIn(mailbox('a'), 'i1')], []);
  incident.acceptPulls(
    [
      {
        copyKey: found!.key,
        result: {
          outcome: 'gone',
          itemId: 'i1',
          detail: 'deleted by the user',
          createdFolders: [
            { mailbox: 'a@corp.example', folderId: 'qf', path: 'Clawback Quarantine', hidden: true },
            { mailbox: 'soc@corp.example', folderId: 'ev', path: 'Clawback Incidents/i1', hidden: false },
          ],
        },
      },
    ],
    'quarantine-mailbox',
  );
  const trail = incident.state.audit.slice(1).map(({ at, ...entry }) => entry);
  assert.deepEqual(trail.slice(0, 2), [
    { actor: 'source:src', action: 'folder-create', target: 'a@corp.example Clawback Quarantine', detail: 'hidden folder created for quarantine-mailbox (phish alert from src)', mailbox: 'a@corp.example', itemId: 'qf', to: 'Clawback Quarantine', result: 'created' },
    { actor: 'source:src', action: 'folder-create', target: 'soc@corp.example Clawback Incidents/i1', detail: 'visible folder created for quarantine-mailbox (phish alert from src)', mailbox: 'soc@corp.example', itemId: 'ev', to: 'Clawback Incidents/i1', result: 'created' },
  ]);
  assert.deepEqual(trail.slice(2).map((entry) => [entry.action, entry.result]), [['quarantine', 'gone']]);
});

test('forwards are queued once each, one level deeper, with the forwarder searched for its sent copy', () => {
  const incident = newIncident();
  const target = incident.nextTarget()!;
  const forward = { from: mailbox('a'), messageId: '<fw@corp.example>', recipients: ['b@corp.example'] };
  incident.acceptForwards(target, [forward, forward], []);
  const next = incident.nextTarget()!;
  assert.equal(next.depth, 1);
  assert.deepEqual(next.recipients.map((r) => r.address).sort(), ['a@corp.example', 'b@corp.example']);
  assert.equal(next.recipients[0]?.provenance.via, 'forward');
  assert.equal(incident.hasPendingTargets(), false);
});

test('forwards beyond the depth bound are not followed', () => {
  const incident = newIncident({ options: IncidentOptions.parse({ maxForwardDepth: 0 }) });
  const target = incident.nextTarget()!;
  const added = incident.acceptSearch([], [copyIn(mailbox('a'), 'i1')], []);
  assert.deepEqual(incident.copiesToFollow(target, added), []);
});

test('undo is refused before anything was pulled, and twice', () => {
  const incident = newIncident({ policy: 'approval' });
  incident.setStatus('awaiting-approval');
  assert.throws(() => incident.validateUndo({ actor: 'admin' }), /no pulled copy/);
  assert.throws(() => incident.validateApprove({ actor: '' }), /actor/);
  incident.validateApprove({ actor: 'admin' });
  incident.setStatus('undone');
  assert.throws(() => incident.validateUndo({ actor: 'admin' }), /already undone/);
});

test('approval thresholds: more mailboxes than allowed, a VIP mailbox or a shared mailbox each escalate, with the reason', () => {
  const found = (incident: Incident, boxes: MailboxRef[]) => {
    const target = incident.nextTarget()!;
    const batch = boxes.map((box) => ({ mailbox: box, provenance: { via: 'direct' as const, depth: 0 } }));
    incident.acceptSearch(incident.claimUnsearched(target, batch), boxes.map((box, i) => copyIn(box, `item-${i}`)), []);
    return incident;
  };
  const withThresholds = (approvalWhen: object) => newIncident({ options: IncidentOptions.parse({ approvalWhen }) });
  assert.equal(newIncident().hasApprovalThresholds, false);

  const many = found(withThresholds({ mailboxesAbove: 1 }), [mailbox('a'), mailbox('b')]);
  assert.equal(many.hasApprovalThresholds, true);
  assert.match(many.escalationReason() ?? '', /2 mailboxes hold a copy \(over 1\)/);
  assert.equal(found(withThresholds({ mailboxesAbove: 2 }), [mailbox('a'), mailbox('b')]).escalationReason(), undefined);

  const vip = found(withThresholds({ vipMailboxes: ['CEO@corp.example'] }), [mailbox('a'), mailbox('ceo')]);
  assert.match(vip.escalationReason() ?? '', /VIP mailbox\(es\) ceo@corp\.example/);

  const sharedBox: MailboxRef = { ...mailbox('finance'), kind: 'shared' };
  assert.match(found(withThresholds({ sharedMailboxes: true }), [sharedBox]).escalationReason() ?? '', /shared mailbox\(es\) finance@corp\.example/);
  assert.equal(found(withThresholds({ sharedMailboxes: true }), [mailbox('a')]).escalationReason(), undefined);
});

test('excluded mailboxes are never searched and listed without blocking; mailboxes over the scope limit block containment', () => {
  const incident = newIncident({ options: IncidentOptions.parse({ excludedMailboxes: ['B@corp.example'], maxMailboxes: 2 }) });
  const target = incident.nextTarget()!;
  const batch = ['a', 'b', 'c', 'd'].map((id) => ({ mailbox: mailbox(id), provenance: { via: 'direct' as const, depth: 0 } }));
  const claimed = incident.claimUnsearched(target, batch);
  assert.deepEqual(claimed.map((c) => c.mailbox.address), ['a@corp.example', 'c@corp.example']);
  assert.deepEqual(
    incident.state.residualExposure.map((r) => `${r.address} ${r.reason}`),
    ['b@corp.example excluded', 'd@corp.example over-scope-limit'],
  );
  assert.equal(incident.settle(), 'partially-contained');

  const onlyExcluded = newIncident({ options: IncidentOptions.parse({ excludedMailboxes: ['b@corp.example'] }) });
  onlyExcluded.claimUnsearched(onlyExcluded.nextTarget()!, [batch[1]!]);
  assert.equal(onlyExcluded.settle(), 'contained', 'an excluded mailbox is out of scope: listed, not blocking');
});

test('a late-copy sweep covers every mailbox searched, per message, in batches', () => {
  const incident = newIncident();
  const target = incident.nextTarget()!;
  const boxes = ['a', 'b', 'c'].map((id) => ({ mailbox: mailbox(id), provenance: { via: 'direct' as const, depth: 0 } }));
  incident.claimUnsearched(target, boxes);
  const forward = { messageId: '<fwd@corp.example>', depth: 1, recipients: [] };
  incident.claimUnsearched(forward, [boxes[0]!]);
  const sweeps = incident.sweepBatches(2);
  assert.deepEqual(
    sweeps.map(({ target, batch }) => [target.messageId, batch.map((b) => b.mailbox.mailboxId)]),
    [
      [alert.messageId, ['a', 'b']],
      [alert.messageId, ['c']],
      ['<fwd@corp.example>', ['a']],
    ],
  );
  assert.equal(sweeps[2]!.target.depth, 1, 'a forward found late is followed from its own depth');
});
