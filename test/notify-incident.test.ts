import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { NotificationsConfigInput } from '../src/notify/config.js';
import type { TlsMaterial } from '../src/sim/tls.js';
import { loopbackTls } from './support/loopback-tls.js';
import { DEMO_ADMIN_KEY, DEMO_SOURCE_KEY, startStack, uniqueScenario } from './support/stack.js';
import { startSmtpReceiver } from './support/smtp-receiver.js';
import { startWebhookReceiver } from './support/webhook-receiver.js';

const HOOK_SECRET = 'incident-hook-secret';
const SMTP_PASSWORD = 'incident-smtp-password';
const exampleAlert = JSON.parse(readFileSync(new URL('../examples/alert.json', import.meta.url), 'utf8'));
const settled = (s: any) => !['pulling', 'awaiting-approval', 'undoing'].includes(s.status);
const fastRetry = (maximumAttempts: number) => ({ maximumAttempts, initialIntervalMs: 100, maximumIntervalMs: 200 });

let tls: TlsMaterial;
let caFile: string;
const closers: (() => Promise<void>)[] = [];
before(async () => {
  ({ tls, caFile } = await loopbackTls());
  // Secrets reach the worker through the environment, as in production.
  process.env.CLAWBACK_TEST_HOOK_SECRET = HOOK_SECRET;
  process.env.CLAWBACK_TEST_SMTP_PASSWORD = SMTP_PASSWORD;
});
after(async () => {
  for (const close of closers.reverse()) await close();
});

/** The demo incident with channels: the receivers are up before the worker opens its channels. */
async function demoWith(
  channels: (urls: { hook: string; smtpPort: number }) => NotificationsConfigInput['channels'],
  answer: (path: string, n: number) => number,
  incident = {},
  policy: 'auto' | 'approval' = 'auto',
) {
  const hook = await startWebhookReceiver({ tls, secret: HOOK_SECRET, answer });
  const smtp = await startSmtpReceiver({ tls, user: 'clawback', pass: SMTP_PASSWORD });
  closers.push(hook.close, smtp.close);
  const { scenario, rename } = uniqueScenario();
  const stack = await startStack({ scenario, policy, incident: { lateCopies: { watchMs: 0, sweepEveryMs: 1000 }, ...incident }, notifications: { channels: channels({ hook: hook.url, smtpPort: smtp.port }) } });
  closers.push(stack.stop);
  const alert = { ...exampleAlert, messageId: rename(exampleAlert.messageId) };
  return { stack, hook, smtp, alert, rename };
}

const webhookChannel = (id: string, url: string, events: string[], retry = fastRetry(3)) => ({
  id,
  type: 'webhook' as const,
  url,
  events: events as any,
  caFile,
  secret: { env: 'CLAWBACK_TEST_HOOK_SECRET' },
  retry,
});

test('an incident notifies its channels: signed webhooks with links, the analysts, each owner; a flaky channel recovers; a dead one never blocks the pull and is re-sent', async () => {
  let downRecovered = false;
  const { stack, hook, smtp, alert } = await demoWith(
    ({ hook: url, smtpPort }) => [
      webhookChannel('soc', `${url}/soc`, ['incident.started', 'incident.contained']),
      webhookChannel('flaky', `${url}/flaky`, ['incident.contained'], fastRetry(5)),
      webhookChannel('down', `${url}/down`, ['incident.contained'], fastRetry(3)),
      {
        id: 'mail',
        type: 'email',
        events: ['incident.contained'],
        smtp: { host: '127.0.0.1', port: smtpPort, auth: { user: 'clawback', pass: { env: 'CLAWBACK_TEST_SMTP_PASSWORD' } }, caFile },
        from: 'clawback@demo.clawback.test',
        to: ['soc@demo.clawback.test'],
        owners: { enabled: true },
        retry: fastRetry(3),
      },
    ],
    (path, n) => (path === '/flaky' && n < 2 ? 503 : path === '/down' && !downRecovered ? 503 : 200),
  );

  const { body } = await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: alert });
  const done = (s: any) => settled(s) && (s.notifications ?? []).length === 5 && s.notifications.every((n: any) => n.status !== 'sending');
  const incident = await stack.waitFor(body.incidentId, done);
  assert.equal(incident.status, 'contained', 'a failing channel does not fail the pull');

  assert.deepEqual(incident.notifications.map((n: any) => `${n.n} ${n.event} ${n.channel}`).sort(), [
    '0 incident.started soc',
    '1 incident.contained soc',
    '2 incident.contained flaky',
    '3 incident.contained down',
    '4 incident.contained mail',
  ].sort());
  const contained = incident.notifications.filter((n: any) => n.event === 'incident.contained');
  const byChannel = Object.fromEntries(contained.map((n: any) => [n.channel, n]));
  assert.equal(new Set(contained.map((n: any) => n.eventId)).size, 1, 'one event, four channels');
  assert.equal(byChannel.flaky.status, 'delivered');
  assert.equal(byChannel.flaky.attempts, 3);
  assert.equal(byChannel.mail.status, 'delivered');
  assert.equal(byChannel.down.status, 'failed');
  assert.equal(byChannel.down.attempts, 3);
  assert.match(byChannel.down.lastError, /HTTP 503/);
  assert.ok(incident.audit.some((a: any) => a.action === 'notify' && a.target === 'down' && /not delivered after 3 attempt\(s\)/.test(a.detail)));

  // The generic webhook: every event signed, versioned, linked, each with its own idempotency key.
  const soc = hook.accepted('/soc');
  assert.deepEqual(soc.map((r) => r.body.type).sort(), ['incident.contained', 'incident.started']);
  assert.ok(hook.requests.every((r) => r.signed), 'every request verifies against the shared secret');
  const event = soc.find((r) => r.body.type === 'incident.contained')!.body;
  assert.equal(event.version, 2);
  assert.equal(event.incidentId, body.incidentId);
  assert.equal(event.messageId, incident.messageId);
  assert.equal(event.status, 'contained');
  assert.equal(event.counts.copiesPulled, incident.counts.copiesPulled);
  assert.deepEqual(event.threat, { classification: 'phish', score: 92 });
  assert.deepEqual(event.sources, ['demo-source']);
  assert.ok(event.residualExposure.some((r: any) => r.address === 'partner@outside.example' && r.reason === 'external'));
  assert.equal(event.links.incident, `http://localhost:8080/v1/incidents/${body.incidentId}`);
  assert.equal(event.links.temporalUi, `http://localhost:8233/namespaces/default/workflows/${body.workflowId}`);
  assert.notEqual(soc[0]!.headers['idempotency-key'], soc[1]!.headers['idempotency-key']);

  const flaky = hook.requests.filter((r) => r.path === '/flaky');
  assert.deepEqual(flaky.map((r) => r.status), [503, 503, 200]);
  assert.equal(new Set(flaky.map((r) => r.headers['idempotency-key'])).size, 1, 'one idempotency key across retries');

  // One mail to the analysts, one to the owner of each user mailbox a copy was pulled from (no shared mailbox).
  const owners = [...new Set(incident.copies.filter((c: any) => c.status === 'pulled' && c.mailbox.kind === 'user').map((c: any) => c.mailbox.address))].sort();
  assert.ok(owners.length >= 3);
  const mails = await smtp.waitFor(1 + owners.length);
  assert.deepEqual(mails[0]!.to, ['soc@demo.clawback.test']);
  assert.match(mails[0]!.mail.subject ?? '', /^\[Clawback\] Message contained: Overdue invoice 4471 from billing@billing-portal\.example$/);
  assert.deepEqual(mails.slice(1).map((m) => m.to[0]).sort(), owners);
  assert.ok(!mails.some((m) => m.to.includes('finance@demo.clawback.test')), 'a shared mailbox has no owner to tell');

  // Re-send the failed notification once the receiver is back: the same event, the same key.
  const n = byChannel.down.n;
  assert.equal((await stack.request('POST', `/v1/incidents/${body.incidentId}/notifications/${n}/resend`, { key: DEMO_SOURCE_KEY })).status, 403);
  assert.equal((await stack.request('POST', `/v1/incidents/${body.incidentId}/notifications/${byChannel.soc.n}/resend`, { key: DEMO_ADMIN_KEY })).status, 409, 'a delivered notification is not re-sent');
  assert.equal((await stack.request('POST', `/v1/incidents/${body.incidentId}/notifications/99/resend`, { key: DEMO_ADMIN_KEY })).status, 409);
  assert.equal((await stack.request('POST', `/v1/incidents/${body.incidentId}/notifications/first/resend`, { key: DEMO_ADMIN_KEY })).status, 400);
  const openapi = await stack.request('GET', '/openapi.json');
  assert.ok(openapi.body.paths['/v1/incidents/{id}/notifications/{n}/resend'].post, 'the resend route is documented');
  downRecovered = true;
  const resent = await stack.request('POST', `/v1/incidents/${body.incidentId}/notifications/${n}/resend`, { key: DEMO_ADMIN_KEY, body: { reason: 'receiver fixed' } });
  assert.equal(resent.status, 200);
  assert.equal(resent.body.notifications[n].status, 'sending');
  const after = await stack.waitFor(body.incidentId, (s) => s.notifications[n].status === 'delivered');
  assert.equal(after.notifications[n].attempts, 4);
  assert.equal(after.notifications[n].lastError, undefined);
  assert.ok(after.audit.some((a: any) => a.action === 'notify' && a.actor === 'admin:demo-admin' && /re-sent: receiver fixed/.test(a.detail)));
  const down = hook.requests.filter((r) => r.path === '/down');
  assert.deepEqual(down.map((r) => r.status), [503, 503, 503, 200]);
  assert.equal(new Set(down.map((r) => r.headers['idempotency-key'])).size, 1);
  assert.equal(JSON.parse(down[3]!.body).id, JSON.parse(down[0]!.body).id, 'the same event');
});

test('a copy pulled by a late-copy sweep is announced as incident.late_copy_pulled, with the settled status', async () => {
  const { stack, hook, alert, rename } = await demoWith(
    ({ hook: url }) => [webhookChannel('soc', `${url}/soc`, ['incident.contained', 'incident.late_copy_pulled'])],
    () => 200,
    { lateCopies: { watchMs: 60_000, sweepEveryMs: 1000 } },
  );
  const { body } = await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: alert });
  const first = await stack.waitFor(body.incidentId, settled);
  stack.tenant.deliver({ messageId: rename('<invoice-4471@billing-portal.example>'), from: alert.sender, to: ['bob@demo.clawback.test'], subject: alert.subject, date: '2026-12-01T09:14:00Z' });
  await stack.waitFor(body.incidentId, (s) => s.counts.copiesPulled > first.counts.copiesPulled && (s.notifications ?? []).some((n: any) => n.event === 'incident.late_copy_pulled' && n.status === 'delivered'));
  const late = hook.accepted('/soc').find((r) => r.body.type === 'incident.late_copy_pulled')!;
  assert.equal(late.body.status, 'contained');
  assert.equal(late.body.lateCopies, 1);
  assert.deepEqual(late.body.pulledMailboxes, [], 'bob was told when his first copy was pulled');
  assert.equal(hook.accepted('/soc').filter((r) => r.body.type === 'incident.contained').length, 1, 'the sweep does not announce containment again');
});

test('an approval, the pull after it and an undo each reach a channel filtered by source and classification; another filter keeps them out', async () => {
  const events = ['incident.approval_required', 'incident.contained', 'incident.undone'];
  const { stack, hook, alert } = await demoWith(
    ({ hook: url }) => [
      { ...webhookChannel('phish', `${url}/phish`, events), filter: { sources: ['demo-source'], classifications: ['phish'], minScore: 90 } },
      { ...webhookChannel('malware', `${url}/malware`, events), filter: { classifications: ['malware'] } },
    ],
    () => 200,
    {},
    'approval',
  );
  const { body } = await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: alert });
  await stack.waitFor(body.incidentId, (s) => s.status === 'awaiting-approval' && s.notifications?.[0]?.status === 'delivered');
  const [approval] = hook.accepted('/phish');
  assert.equal(approval!.body.type, 'incident.approval_required');
  assert.equal(approval!.body.status, 'awaiting-approval');
  assert.equal(approval!.body.counts.copiesFound, 6, 'the approver sees the blast radius');
  assert.deepEqual(approval!.body.pulledMailboxes, []);

  assert.equal((await stack.request('POST', `/v1/incidents/${body.incidentId}/approve`, { key: DEMO_ADMIN_KEY })).status, 200);
  await stack.waitFor(body.incidentId, (s) => s.status === 'contained' && s.notifications?.length === 2 && s.notifications[1].status === 'delivered');
  assert.equal((await stack.request('POST', `/v1/incidents/${body.incidentId}/undo`, { key: DEMO_ADMIN_KEY, body: { reason: 'false positive' } })).status, 200);
  const undone = await stack.waitFor(body.incidentId, (s) => s.notifications?.length === 3 && s.notifications[2].status === 'delivered');
  assert.equal(undone.status, 'undone');
  const received = hook.accepted('/phish').map((r) => [r.body.type, r.body.status]);
  assert.deepEqual(received, [
    ['incident.approval_required', 'awaiting-approval'],
    ['incident.contained', 'contained'],
    ['incident.undone', 'undone'],
  ]);
  assert.equal(hook.accepted('/phish')[2]!.body.counts.copiesRestored, 6);
  assert.deepEqual(hook.requests.filter((r) => r.path === '/malware'), [], 'a phish alert never reaches the malware channel');
});
