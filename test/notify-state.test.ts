import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Alert } from '../src/domain/alert.js';
import { IncidentOptions } from '../src/domain/incident.js';
import type { MailboxRef, MessageCopy } from '../src/domain/mail.js';
import { incidentDetails } from '../workflows/details.js';
import { Incident } from '../workflows/incident-state.js';

const alert = Alert.parse({ messageId: '<n1@evil.example>', sender: 'bad@evil.example', recipients: ['a@corp.example'], threat: { classification: 'malware', score: 70 } });
const newIncident = () => new Incident({ incidentId: 'i1', alert, alertKey: 'src:1', source: 'src', policy: 'auto', options: IncidentOptions.parse({}) });
const box = (id: string, kind: MailboxRef['kind'] = 'user'): MailboxRef => ({ tenantId: 't', mailboxId: id, address: `${id}@corp.example`, kind });
const copyIn = (mailbox: MailboxRef, itemId: string): MessageCopy => ({ mailbox, itemId, internetMessageId: alert.messageId, folderId: 'inbox', folderPath: 'Inbox', isRead: false });

function pull(incident: Incident, copies: MessageCopy[]): void {
  const found = incident.acceptSearch([], copies, []);
  incident.acceptPulls(
    found.map((state, i) => ({
      copyKey: state.key,
      result: { outcome: 'pulled' as const, itemId: copies[i]!.itemId, record: { copy: copies[i]!, action: 'quarantine-folder' as const, quarantinedItemId: `q${i}`, quarantineFolderId: 'q', pulledAt: 'now' } },
    })),
    'quarantine-folder',
  );
}

test('each owner of a pulled user mailbox is named in one event only; shared mailboxes have no owner to tell', () => {
  const incident = newIncident();
  pull(incident, [copyIn(box('alice'), 'a1'), copyIn(box('alice'), 'a2'), copyIn(box('finance', 'shared'), 'f1')]);
  assert.deepEqual(incident.claimPulledMailboxes(), ['alice@corp.example']);
  pull(incident, [copyIn(box('bob'), 'b1'), copyIn(box('alice'), 'a3')]);
  assert.deepEqual(incident.claimPulledMailboxes(), ['bob@corp.example']);
  assert.deepEqual(incident.claimPulledMailboxes(), []);
});

test('a notification that failed for good is recorded with its attempts and error, audited, shown in the details, and re-sendable once', () => {
  const incident = newIncident();
  const ok = incident.noteNotification('soc', { type: 'incident.contained', id: 'i1/2' });
  const bad = incident.noteNotification('jira', { type: 'incident.contained', id: 'i1/2' });
  assert.deepEqual([ok, bad], [0, 1]);
  incident.settleNotification(ok, { attempts: 1 });
  incident.settleNotification(bad, { attempts: 8, error: 'channel jira failed: HTTP 503 from jira.corp.example' });

  const [delivered, failed] = incident.state.notifications!;
  assert.equal(delivered!.status, 'delivered');
  assert.deepEqual({ status: failed!.status, attempts: failed!.attempts, lastError: failed!.lastError }, { status: 'failed', attempts: 8, lastError: 'channel jira failed: HTTP 503 from jira.corp.example' });
  assert.ok(incident.state.audit.some((a) => a.action === 'notify' && a.target === 'jira' && /not delivered after 8 attempt\(s\)/.test(a.detail)));
  assert.match(incidentDetails(incident.state, { searched: 0, queued: 0 }), /\*\*Notifications not delivered\*\*[^\n]*\n- #1 incident\.contained → jira: 8 attempt\(s\), channel jira failed: HTTP 503/);

  assert.throws(() => incident.validateResend({ actor: 'soc-lead', notification: ok }), /notification 0 is delivered/);
  assert.throws(() => incident.validateResend({ actor: 'soc-lead', notification: 7 }), /no notification 7/);
  assert.throws(() => incident.validateResend({ actor: '', notification: bad }), /actor/);
  incident.validateResend({ actor: 'soc-lead', notification: bad });
  assert.equal(incident.requestResend({ actor: 'soc-lead', notification: bad, reason: 'token rotated' }).status, 'sending');
  assert.throws(() => incident.validateResend({ actor: 'soc-lead', notification: bad }), /is sending/);
  incident.settleNotification(bad, { attempts: 1 });
  assert.deepEqual({ status: failed!.status, attempts: failed!.attempts, lastError: failed!.lastError }, { status: 'delivered', attempts: 9, lastError: undefined });
  assert.doesNotMatch(incidentDetails(incident.state, { searched: 0, queued: 0 }), /Notifications not delivered/);
});
