import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { NotificationsConfig, type NotificationsConfigInput } from '../src/notify/config.js';
import { ChannelRegistry } from '../src/notify/channels.js';
import { NotificationFailed, NotificationRejected } from '../src/notify/errors.js';
import type { Delivery } from '../src/notify/channel.js';
import type { TlsMaterial } from '../src/sim/tls.js';
import { loopbackTls } from './support/loopback-tls.js';
import { startSmtpReceiver } from './support/smtp-receiver.js';
import { startWebhookReceiver } from './support/webhook-receiver.js';
import { incidentEvent } from './support/incident-event.js';

const SMTP_PASSWORD = 'smtp-pa55word';
const HOOK_SECRET = 'hook-secret-value';
let tls: TlsMaterial;
let caFile: string;
const closers: (() => Promise<void>)[] = [];

before(async () => {
  ({ tls, caFile } = await loopbackTls());
});
after(async () => {
  for (const close of closers) await close();
});

async function smtp(options: { refuseFirst?: number; refuse?: string[] } = {}) {
  const receiver = await startSmtpReceiver({ tls, user: 'clawback', pass: SMTP_PASSWORD, ...options });
  closers.push(receiver.close);
  return receiver;
}

async function webhook(answer?: (path: string, n: number) => number) {
  const receiver = await startWebhookReceiver({ tls, secret: HOOK_SECRET, answer });
  closers.push(receiver.close);
  return receiver;
}

async function open(channels: NotificationsConfigInput['channels']) {
  const registry = await ChannelRegistry.open(NotificationsConfig.parse({ channels }), { SMTP_PASSWORD, HOOK_SECRET, JIRA_TOKEN: 'jira-token' });
  closers.push(() => registry.close());
  return registry;
}

function emailChannel(port: number, extra: Record<string, unknown> = {}) {
  return {
    id: 'soc-mail',
    type: 'email' as const,
    events: ['incident.contained' as const],
    smtp: { host: '127.0.0.1', port, auth: { user: 'clawback', pass: { env: 'SMTP_PASSWORD' } }, caFile },
    from: 'clawback@corp.example',
    to: ['soc@corp.example', 'ir@corp.example'],
    owners: { enabled: true },
    ...extra,
  };
}

function delivery(overrides: Partial<Delivery> = {}): Delivery & { steps: number[] } {
  const steps: number[] = [];
  return { event: incidentEvent(), idempotencyKey: 'key-1', done: 0, progress: (done) => steps.push(done), steps, ...overrides };
}

test('email goes over STARTTLS with auth: one mail to the analysts, one to each owner of a pulled mailbox', async () => {
  const receiver = await smtp();
  const channel = (await open([emailChannel(receiver.port)])).get('soc-mail');
  const sent = delivery({ event: incidentEvent({ subject: 'Invoice <b>now</b>\r\nBcc: victim@evil.example' }) });
  await channel.send(sent);

  const mails = await receiver.waitFor(3);
  assert.deepEqual(sent.steps, [1, 2, 3]);
  assert.ok(mails.every((m) => m.secure && m.user === 'clawback'), 'every mail after STARTTLS and AUTH');
  assert.deepEqual(mails.map((m) => m.to), [['soc@corp.example', 'ir@corp.example'], ['alice@corp.example'], ['bob@corp.example']]);

  const analyst = mails[0]!.mail;
  assert.equal(analyst.subject, '[Clawback] Message contained: Invoice <b>now</b> Bcc: victim@evil.example from billing@billing-portal.example');
  assert.equal(analyst.headers.get('bcc'), undefined, 'no header was injected');
  assert.equal(analyst.messageId, '<key-1.0@clawback.invalid>');
  assert.equal(analyst.headers.get('x-clawback-event'), 'incident.contained');
  assert.match(analyst.text ?? '', /Copies found 6|copies found 6/);
  assert.match(analyst.text ?? '', /partner@outside\.example: external/);
  assert.match(analyst.html || '', /Invoice &lt;b&gt;now&lt;\/b&gt;/);
  assert.doesNotMatch(analyst.html || '', /<b>now<\/b>/);

  const owner = mails[1]!.mail;
  assert.match(owner.subject ?? '', /^A message was removed from your mailbox: /);
  assert.match(owner.text ?? '', /removed a message from your mailbox \(alice@corp\.example\)/);
  assert.match(owner.text ?? '', /What to do:/);
  assert.doesNotMatch(owner.text ?? '', /partner@outside|Residual/, 'owners are not told about the rest of the incident');
});

test('an email delivery resumes after the mails a previous attempt sent, and a 451 is a passing failure', async () => {
  const receiver = await smtp({ refuseFirst: 1 });
  const channel = (await open([emailChannel(receiver.port)])).get('soc-mail');
  await assert.rejects(channel.send(delivery({ done: 1 })), (error: unknown) => error instanceof NotificationFailed && /451|try again later/.test(error.message));
  await channel.send(delivery({ done: 1 }));
  const mails = await receiver.waitFor(2);
  assert.deepEqual(mails.map((m) => m.to), [['alice@corp.example'], ['bob@corp.example']], 'the analyst mail was not sent again');
  assert.equal(mails[0]!.mail.messageId, '<key-1.1@clawback.invalid>');
});

test('an owner the server refuses does not stop the other owners; the refusal is permanent', async () => {
  const receiver = await smtp({ refuse: ['alice@corp.example'] });
  const channel = (await open([emailChannel(receiver.port, { to: [] })])).get('soc-mail');
  await assert.rejects(channel.send(delivery()), (error: unknown) => error instanceof NotificationRejected && /alice@corp\.example/.test(error.message));
  assert.deepEqual((await receiver.waitFor(1)).map((m) => m.to), [['bob@corp.example']]);
});

test('a wrong SMTP password fails without the password in the error', async () => {
  const receiver = await smtp();
  const registry = await ChannelRegistry.open(NotificationsConfig.parse({ channels: [emailChannel(receiver.port)] }), { SMTP_PASSWORD: 'wrong-password-value' });
  closers.push(() => registry.close());
  const error = await registry.get('soc-mail').send(delivery()).then(() => undefined, (e: Error) => e);
  assert.ok(error instanceof NotificationRejected || error instanceof NotificationFailed);
  assert.doesNotMatch(error.message, /wrong-password-value/);
});

test('a webhook is signed over timestamp and body, carries its idempotency key, and a 5xx is retried while a 4xx is not', async () => {
  const receiver = await webhook((path, n) => (path === '/flaky' && n === 0 ? 503 : path.startsWith('/refuse') ? 400 : 200));
  const base = { type: 'webhook' as const, events: ['incident.contained' as const], caFile, secret: { env: 'HOOK_SECRET' } };
  const registry = await open([
    { ...base, id: 'ok', url: `${receiver.url}/ok` },
    { ...base, id: 'flaky', url: `${receiver.url}/flaky` },
    { ...base, id: 'refuse', url: `${receiver.url}/refuse/secret-path-token` },
    { ...base, id: 'jira', url: `${receiver.url}/rest/api/2/issue`, format: { type: 'jira', projectKey: 'SEC' }, auth: { type: 'bearer', token: { env: 'JIRA_TOKEN' } } },
  ]);
  await registry.get('ok').send(delivery());
  const [ok] = receiver.accepted('/ok');
  assert.ok(receiver.requests[0]!.signed, 'the signature verifies with the shared secret');
  assert.equal(ok!.headers['idempotency-key'], 'key-1');
  assert.equal(ok!.headers['clawback-event'], 'incident.contained');
  assert.deepEqual(ok!.body, incidentEvent());

  await assert.rejects(registry.get('flaky').send(delivery()), (error: unknown) => error instanceof NotificationFailed && /HTTP 503/.test(error.message));
  await registry.get('flaky').send(delivery());
  const flaky = receiver.requests.filter((r) => r.path === '/flaky');
  assert.deepEqual(flaky.map((r) => r.headers['idempotency-key']), ['key-1', 'key-1'], 'the same key on the retry');

  const refused = await registry.get('refuse').send(delivery()).then(() => undefined, (e: Error) => e);
  assert.ok(refused instanceof NotificationRejected, String(refused));
  assert.match(refused.message, /HTTP 400 from 127\.0\.0\.1:\d+/);
  assert.doesNotMatch(refused.message, /secret-path-token/, 'webhook URLs often hold a token: errors name the host only');

  await registry.get('jira').send(delivery());
  const [jira] = receiver.accepted('/rest/api/2/issue');
  assert.equal(jira!.headers.authorization, 'Bearer jira-token');
  assert.deepEqual(jira!.body.fields.project, { key: 'SEC' });
  assert.deepEqual(receiver.requests.map((r) => [r.path, r.signed]).filter(([, signed]) => !signed), []);
});

test('a webhook to a receiver that is not listening is a passing failure', async () => {
  const registry = await open([{ id: 'down', type: 'webhook', events: ['incident.contained'], url: 'http://127.0.0.1:9/hook', allowInsecureLoopback: true }]);
  await assert.rejects(registry.get('down').send(delivery()), (error: unknown) => error instanceof NotificationFailed && /unreachable/.test(error.message));
});
