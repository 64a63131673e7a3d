import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfig, demoConfig } from '../src/config/load.js';
import { NotificationsConfig } from '../src/notify/config.js';
import { ChannelRegistry, channelWants } from '../src/notify/channels.js';
import { ChannelMisconfigured, TemplateInvalid } from '../src/notify/errors.js';
import { bodyBuilder } from '../src/notify/formats.js';
import { signatureHeader, verifySignature } from '../src/notify/signature.js';
import { compileTemplate, headerSafe, loadTemplate, templateContext } from '../src/notify/templates.js';
import { DEFAULT_TEMPLATES } from '../src/notify/defaults.js';
import { incidentEvent } from './support/incident-event.js';

const HOSTILE_SUBJECT = 'Invoice <script>alert(1)</script> & "you"\r\nBcc: victim@evil.example\r\n\r\nbody';

test('HTML templates escape every inserted value; text templates keep it verbatim', () => {
  const event = incidentEvent({ subject: HOSTILE_SUBJECT, sender: 'x"><img src=x onerror=alert(1)>@evil.example' });
  const html = compileTemplate(DEFAULT_TEMPLATES.html, 'html', 'html').render(templateContext(event));
  assert.doesNotMatch(html, /<script>|<img/);
  assert.match(html, /Invoice &lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; &quot;you&quot;/);
  assert.match(html, /x&quot;&gt;&lt;img src&#x3D;x/);
  const text = compileTemplate(DEFAULT_TEMPLATES.text, 'none', 'text').render(templateContext(event));
  assert.match(text, /Invoice <script>alert\(1\)<\/script> & "you"/);
});

test('a rendered subject is one header line: CR/LF and control characters cannot start a new header', () => {
  const subject = headerSafe(compileTemplate(DEFAULT_TEMPLATES.subject, 'none', 'subject').render(templateContext(incidentEvent({ subject: HOSTILE_SUBJECT }))));
  assert.doesNotMatch(subject, /[\r\n]/);
  assert.match(subject, /^\[Clawback\] Message contained: Invoice <script>alert\(1\)<\/script> & "you" Bcc: victim@evil\.example body from billing@/);
  assert.equal(headerSafe('a\u2028b\u0000c\u0085d'), 'a bc d');
  assert.equal(headerSafe('x'.repeat(400)).length, 250);
});

test('templates see the event, a title, the sources and what residual exposure did not fit', () => {
  const template = compileTemplate('{{title}}|{{sourceList}}|{{residualMore}}|{{threat.classification}}|{{links.incident}}|{{#each pulledMailboxes}}{{this}};{{/each}}', 'none', 't');
  const event = incidentEvent({ sources: ['gateway', 'edr'], counts: { ...incidentEvent().counts, residual: 5 } });
  assert.equal(template.render(templateContext(event)), 'Message contained|gateway, edr|4|phish|https://clawback.corp.example/v1/incidents/abc123|alice@corp.example;bob@corp.example;');
});

test('a broken template, a template that calls an unknown helper and a missing template file stop the worker at start', async () => {
  assert.throws(() => compileTemplate('{{#each}}', 'none', 'notifications.channels.0.templates.text'), (error: unknown) => error instanceof TemplateInvalid && /channels\.0\.templates\.text/.test(error.message));
  assert.throws(() => compileTemplate('{{exec "rm -rf /"}}', 'none', 'x'), (error: unknown) => error instanceof TemplateInvalid && /unknown helper exec/.test(error.message));
  await assert.rejects(loadTemplate({ file: '/nonexistent/template.hbs' }, '', 'none', 'x'), (error: unknown) => error instanceof TemplateInvalid && /ENOENT/.test(error.message));
  const dir = mkdtempSync(join(tmpdir(), 'clawback-templates-'));
  writeFileSync(join(dir, 'subject.hbs'), 'From a file: {{sender}}');
  assert.equal((await loadTemplate({ file: join(dir, 'subject.hbs') }, '', 'none', 'x')).render(templateContext(incidentEvent())), 'From a file: billing@billing-portal.example');
});

test('templates cannot reach prototypes or run code', () => {
  const rendered = compileTemplate('{{constructor.name}}|{{__proto__.polluted}}|{{sender.constructor}}', 'none', 'x').render(templateContext(incidentEvent()));
  assert.equal(rendered, '||');
});

test('Slack, Teams, Jira and ServiceNow bodies carry the rendered event in their own shapes', async () => {
  const event = incidentEvent({ subject: 'Pay <now> & win' });
  const slack = (await bodyBuilder({ type: 'slack' }, 'w'))(event) as { text: string };
  assert.match(slack.text, /^\*Message contained: Pay &lt;now&gt; &amp; win from billing@billing-portal\.example\*\n/);

  const teams = (await bodyBuilder({ type: 'teams' }, 'w'))(event) as any;
  assert.equal(teams.type, 'message');
  assert.equal(teams.attachments[0].contentType, 'application/vnd.microsoft.card.adaptive');
  assert.equal(teams.attachments[0].content.type, 'AdaptiveCard');
  assert.equal(teams.attachments[0].content.body[0].text, 'Message contained: Pay <now> & win from billing@billing-portal.example');
  assert.deepEqual(teams.attachments[0].content.actions, [{ type: 'Action.OpenUrl', title: 'Open incident', url: event.links.incident }]);

  const jira = (await bodyBuilder({ type: 'jira', projectKey: 'SEC', issueType: 'Incident', labels: ['clawback', 'phish'] }, 'w'))(event) as any;
  assert.deepEqual(Object.keys(jira.fields).sort(), ['description', 'issuetype', 'labels', 'project', 'summary']);
  assert.deepEqual(jira.fields.project, { key: 'SEC' });
  assert.deepEqual(jira.fields.issuetype, { name: 'Incident' });
  assert.match(jira.fields.description, /Residual exposure \(1\):\n {2}- partner@outside\.example: external/);

  const snow = (await bodyBuilder({ type: 'servicenow', fields: { urgency: '1', impact: '2', assignment_group: 'SOC' } }, 'w'))(event) as any;
  assert.equal(snow.urgency, '1');
  assert.equal(snow.assignment_group, 'SOC');
  assert.equal(snow.correlation_id, 'abc123');
  assert.equal(snow.short_description, 'Message contained: Pay <now> & win from billing@billing-portal.example');

  assert.deepEqual((await bodyBuilder({ type: 'generic' }, 'w'))(event), event);
});

test('a signature verifies only with the secret, over the same body, within five minutes', () => {
  const body = JSON.stringify(incidentEvent());
  const header = signatureHeader('s3cret', body, 1_800_000_000);
  assert.match(header, /^t=1800000000,v1=[0-9a-f]{64}$/);
  assert.ok(verifySignature('s3cret', body, header, 1_800_000_100));
  assert.ok(!verifySignature('other', body, header, 1_800_000_100));
  assert.ok(!verifySignature('s3cret', `${body} `, header, 1_800_000_100));
  assert.ok(!verifySignature('s3cret', body, header, 1_800_000_400), 'a replay ten minutes later');
  assert.ok(!verifySignature('s3cret', body, undefined));
});

test('channel config: https only unless explicitly loopback for tests, ids unique, filters applied', async () => {
  const webhook = { id: 'hook', type: 'webhook', events: ['incident.contained'] };
  assert.throws(() => NotificationsConfig.parse({ channels: [{ ...webhook, url: 'http://hooks.example/x' }] }), /https only/);
  assert.throws(() => NotificationsConfig.parse({ channels: [{ ...webhook, url: 'http://hooks.example/x', allowInsecureLoopback: true }] }), /loopback address only/);
  assert.equal(NotificationsConfig.parse({ channels: [{ ...webhook, url: 'http://127.0.0.1:9/x', allowInsecureLoopback: true }] }).channels.length, 1);
  assert.throws(() => NotificationsConfig.parse({ channels: [{ ...webhook, url: 'https://a.example' }, { ...webhook, url: 'https://b.example' }] }), /used twice/);
  assert.throws(
    () => parseConfig({ ...demoConfig('/tmp'), notifications: { channels: [{ id: 'mail', type: 'email', events: ['incident.failed'], smtp: { host: 'smtp.example' }, from: 'soc@corp.example' }] } }),
    (error: unknown) => error instanceof ConfigError && /notifications\.channels\.0\.to/.test(error.message),
  );

  const config = NotificationsConfig.parse({
    channels: [{ ...webhook, url: 'https://hooks.example/x', filter: { sources: ['gateway'], classifications: ['phish', 'malware'], minScore: 80 } }],
  });
  const channel = config.channels[0]!;
  assert.ok(channelWants(channel, incidentEvent()));
  assert.ok(!channelWants(channel, incidentEvent({ type: 'incident.started' })), 'an event the channel did not ask for');
  assert.ok(!channelWants(channel, incidentEvent({ sources: ['edr'] })));
  assert.ok(!channelWants(channel, incidentEvent({ threat: { classification: 'spam', score: 99 } })));
  assert.ok(!channelWants(channel, incidentEvent({ threat: { classification: 'phish', score: 50 } })));
  assert.ok(channelWants(channel, incidentEvent({ threat: { classification: 'phish' } })), 'an alert without a score passes');

  const registry = await ChannelRegistry.open(config, {});
  assert.deepEqual(registry.plan(incidentEvent()), [{ channel: 'hook', retry: { maximumAttempts: 8, initialIntervalMs: 5000, maximumIntervalMs: 600000 } }]);
  await registry.close();
});

test('a channel whose secret is missing stops the worker at start, naming where it was looked for, not a value', async () => {
  const config = NotificationsConfig.parse({ channels: [{ id: 'hook', type: 'webhook', events: ['incident.contained'], url: 'https://hooks.example/x', secret: { env: 'HOOK_SECRET' } }] });
  await assert.rejects(ChannelRegistry.open(config, {}), /notifications\.channels\.0\.secret: environment variable HOOK_SECRET is not set/);
});

test('a webhook URL read from the environment (chat URLs hold a token) is held to https too', async () => {
  const config = NotificationsConfig.parse({ channels: [{ id: 'chat', type: 'webhook', events: ['incident.failed'], url: { env: 'CHAT_URL' }, format: { type: 'slack' } }] });
  await assert.rejects(ChannelRegistry.open(config, { CHAT_URL: 'http://chat.example/services/T0/B0/token' }), (error: unknown) => error instanceof ChannelMisconfigured && /channels\.0\.url: webhooks are sent over https only/.test(error.message) && !/token/.test(error.message));
  const registry = await ChannelRegistry.open(config, { CHAT_URL: 'https://chat.example/services/T0/B0/token' });
  assert.deepEqual(registry.plan(incidentEvent({ type: 'incident.failed' })).map((p) => p.channel), ['chat']);
  await registry.close();
});

test('template and CA paths in a config file are relative to the file', () => {
  const config = parseConfig(
    {
      ...demoConfig('/tmp'),
      notifications: {
        channels: [
          { id: 'mail', type: 'email', events: ['incident.failed'], smtp: { host: 'smtp.example', caFile: 'ca.pem' }, from: 'soc@corp.example', to: ['soc@corp.example'], templates: { text: { file: 'tpl/text.hbs' } } },
        ],
      },
    },
    '/etc/clawback/clawback.yaml',
  );
  const mail = config.notifications.channels[0]!;
  assert.equal(mail.type === 'email' && mail.smtp.caFile, '/etc/clawback/ca.pem');
  assert.deepEqual(mail.type === 'email' && mail.templates.text, { file: '/etc/clawback/tpl/text.hbs' });
});
