import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { incidentIdFor } from '../src/domain/ids.js';
import type { MailboxRef } from '../src/domain/mail.js';
import { SimulatedProvider } from '../src/providers/simulated/provider.js';
import { DEMO_ADDRESSES as a, DEMO_BENIGN_MESSAGE_ID, DEMO_DOMAIN, DEMO_MESSAGE_ID, DEMO_TENANT_ID, demoScenario } from '../src/sim/demo.js';
import { deliveredFieldsOf } from '../src/sim/mime-fields.js';
import { ensureAbuseSchedules } from '../src/reports/schedule.js';
import type { TlsMaterial } from '../src/sim/tls.js';
import { abusePollWorkflow } from '../workflows/abuse-poller.js';
import { abuseScheduleId, type AbusePollOutcome, type ReportOutcome } from '../workflows/report-messages.js';
import { loopbackTls } from './support/loopback-tls.js';
import { startSmtpReceiver } from './support/smtp-receiver.js';
import { DEMO_ADMIN_KEY, DEMO_SOURCE_KEY, startStack, uniqueScenario, type StackOptions } from './support/stack.js';
import { EwsProvider } from '../src/providers/ews/provider.js';
import { gmailProviderForSimulator } from '../src/providers/gmail/simulated-tenant.js';
import { GraphProviderConfig } from '../src/providers/graph/config.js';
import { openGraphProvider } from '../src/providers/graph/open.js';
import { DEMO_EWS_ACCOUNT, EWS_PATH, ewsFace } from '../src/sim/ews/index.js';
import { gmailFace } from '../src/sim/gmail/index.js';
import { graphFace } from '../src/sim/graph/index.js';
import { Tenant } from '../src/sim/model.js';
import { startSimServer } from '../src/sim/server.js';

const ABUSE = `report-phish@${DEMO_DOMAIN}`;
const SMTP_PASSWORD = 'abuse-smtp-password';
const PRIZE_ID = '<gift-card-77@prize.example>';

/** A report as mail clients send it: the reported message attached as .eml, or pasted inline. */
async function compose(options: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new MailComposer({ date: new Date(), ...options }).compile().build();
}

/** The abuse mailbox's provider: in process, or an adapter through its client library over HTTPS. */
const adapters: Record<string, StackOptions['providerFor']> = {
  simulated: undefined,
  graph: async (tenant) => {
    const { sim, caFile } = await simulatorFor(tenant);
    const config = GraphProviderConfig.parse({ type: 'graph', tenant: DEMO_TENANT_ID, clientId: 'clawback-abuse', clientSecret: 'not-a-secret', authority: sim.url, graphBaseUrl: sim.url, caFile });
    return { provider: await openGraphProvider(config, { tenantId: DEMO_TENANT_ID, domains: [DEMO_DOMAIN] }), close: () => sim.close() };
  },
  ews: async (tenant) => {
    const { sim, caFile } = await simulatorFor(tenant);
    const provider = await EwsProvider.open({ tenantId: DEMO_TENANT_ID, config: { type: 'ews', url: `${sim.url}${EWS_PATH}`, caFile, auth: { type: 'basic', ...DEMO_EWS_ACCOUNT } }, domains: [DEMO_DOMAIN] });
    return { provider, close: () => sim.close() };
  },
  gmail: async (tenant) => {
    const { sim } = await simulatorFor(tenant);
    return { provider: gmailProviderForSimulator({ url: sim.url, caCert: sim.caCert, tenantId: DEMO_TENANT_ID, domains: [DEMO_DOMAIN] }, { adminUser: ABUSE }), close: () => sim.close() };
  },
};

async function simulatorFor(tenant: Tenant) {
  const sim = await startSimServer({ tenant, faces: [graphFace, ewsFace, gmailFace] });
  const caFile = join(mkdtempSync(join(tmpdir(), 'clawback-abuse-ca-')), 'ca.pem');
  writeFileSync(caFile, sim.caCert);
  return { sim, caFile };
}

for (const [kind, providerFor] of Object.entries(adapters)) describe(`abuse mailbox (${kind})`, () => {
  // Report workflow ids derive from the report; each suite has a mailbox id of its own.
  const ABUSE_ID = `phish-reports-${kind}`;
  let tls: TlsMaterial;
  let caFile: string;
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  let stack: Awaited<ReturnType<typeof startStack>>;
  let rename: (id: string) => string;
  let provider: SimulatedProvider;
  let abuseMailbox: MailboxRef;

  before(async () => {
    ({ tls, caFile } = await loopbackTls());
    process.env.CLAWBACK_TEST_ABUSE_SMTP_PASSWORD = SMTP_PASSWORD;
    // Dave's mailbox refuses mail: his answers fail for good.
    smtp = await startSmtpReceiver({ tls, user: 'clawback', pass: SMTP_PASSWORD, refuse: [a.dave] });
    const unique = uniqueScenario({
      ...demoScenario,
      users: [...demoScenario.users, { address: ABUSE, displayName: 'Report phishing', aliases: [], kind: 'shared', folders: [] }],
      messages: [
        ...demoScenario.messages,
        { messageId: PRIZE_ID, from: 'promo@prize.example', to: [a.carol, a.dave], cc: [], subject: 'You won a gift card', date: '2026-12-02T10:00:00Z', body: 'Claim it at https://prize.example/claim', attachments: [], references: [] },
      ],
    });
    rename = unique.rename;
    const dir = mkdtempSync(join(tmpdir(), 'clawback-abuse-'));
    const phishFeed = join(dir, 'phish-feed.txt');
    writeFileSync(phishFeed, '# domains seen in phishing this week\nbilling-portal.example\n');
    stack = await startStack({
      scenario: unique.scenario,
      ...(providerFor ? { providerFor } : {}),
      incident: { lateCopies: { watchMs: 0, sweepEveryMs: 1000 } },
      notifications: {
        channels: [{ id: 'reporters', type: 'email', smtp: { host: '127.0.0.1', port: smtp.port, auth: { user: 'clawback', pass: { env: 'CLAWBACK_TEST_ABUSE_SMTP_PASSWORD' } }, caFile }, from: `security@${DEMO_DOMAIN}` }],
      },
      abuse: {
        mailboxes: [{ id: ABUSE_ID, address: ABUSE, policy: 'auto' }],
        verdict: {
          indicators: [{ id: 'phish-feed', disposition: 'malicious', file: phishFeed }],
          allow: { domains: ['outside.example'] },
          reportersThreshold: 2,
        },
        replies: { channel: 'reporters' },
      },
    });
    provider = new SimulatedProvider({ tenant: stack.tenant });
    const [resolved] = await provider.resolve([ABUSE]);
    assert.equal(resolved?.kind, 'mailbox');
    abuseMailbox = (resolved as { mailbox: MailboxRef }).mailbox;
  });
  after(async () => {
    await stack?.stop();
    await smtp?.close();
  });

  /** Drops a report's exact bytes into the abuse mailbox's inbox, as the mail server would. */
  async function deliverReport(raw: Buffer): Promise<string> {
    const receivedAt = new Date().toISOString();
    const fields = await deliveredFieldsOf(raw, { id: abuseMailbox.mailboxId, address: ABUSE }, receivedAt);
    return stack.tenant.importMessage(abuseMailbox.mailboxId, 'inbox', fields, { mime: raw, receivedAt }).itemId;
  }

  /** One poll of the abuse mailbox, and the outcome of every report it started. */
  async function poll(): Promise<{ poll: AbusePollOutcome; reports: ReportOutcome[] }> {
    const outcome = await stack.client.workflow.execute(abusePollWorkflow, {
      workflowId: `abuse-poll-test-${Date.now()}-${Math.random()}`,
      taskQueue: stack.config.temporal.taskQueue,
      args: [{ abuseMailbox: ABUSE_ID }],
    });
    return { poll: outcome, reports: await reportsOf(outcome) };
  }

  const handled: string[] = [];
  /** The reports a poll started are the report workflows not seen before. */
  async function reportsOf(outcome: AbusePollOutcome): Promise<ReportOutcome[]> {
    const outcomes: ReportOutcome[] = [];
    for await (const execution of stack.client.workflow.list({ query: `WorkflowType = 'reportWorkflow' AND ClawbackAbuseMailbox = '${ABUSE_ID}'` })) {
      if (handled.includes(execution.workflowId) || execution.taskQueue !== stack.config.temporal.taskQueue) continue;
      handled.push(execution.workflowId);
      outcomes.push(await stack.client.workflow.getHandle(execution.workflowId).result());
    }
    assert.equal(outcomes.length, outcome.started, 'every started report was found in visibility');
    return outcomes;
  }

  async function waitForVisibility(count: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { count: n } = await stack.client.workflow.count(`WorkflowType = 'reportWorkflow' AND ClawbackAbuseMailbox = '${ABUSE_ID}'`);
      if (n >= count) return;
      if (Date.now() > deadline) throw new Error(`only ${n} of ${count} reports visible`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function copyOf(address: string, messageId: string) {
    const [resolved] = await provider.resolve([address]);
    const mailbox = (resolved as { mailbox: MailboxRef }).mailbox;
    const [copy] = await provider.findCopies(mailbox, { messageId });
    assert.ok(copy, `${address} has ${messageId}`);
    return { mailbox, copy };
  }

  /** A report from `reporter` attaching their own copy of the message as an .eml file. */
  async function attachedReport(reporter: string, messageId: string, subject: string, extra: { messageId?: string; text?: string } = {}): Promise<Buffer> {
    const { mailbox, copy } = await copyOf(reporter, messageId);
    const original = await provider.readMime(mailbox, copy.itemId);
    return compose({ from: reporter, to: ABUSE, subject, ...extra, attachments: [{ filename: `${subject}.eml`, content: original, contentType: 'message/rfc822' }] });
  }

  it('the schedule polls every minute by default', async () => {
    assert.deepEqual(await ensureAbuseSchedules(stack.client, stack.config), [abuseScheduleId(ABUSE_ID)]);
    const handle = stack.client.schedule.getHandle(abuseScheduleId(ABUSE_ID));
    const described = await handle.describe();
    assert.equal(described.spec.intervals?.[0]?.every, 60_000);
    await handle.delete();
  });

  it('end to end: an .eml report of a phish opens the incident, every copy is pulled, the reporter is told, the report is filed', async () => {
    const messageId = rename(DEMO_MESSAGE_ID);
    const mailsBefore = smtp.received.length;
    await deliverReport(await attachedReport(a.alice, messageId, 'Phishing? Overdue invoice 4471', { messageId: `<report-1.${Date.now()}@${DEMO_DOMAIN}>`, text: 'This looks like phishing.' }));
    const { poll: first, reports } = await poll();
    assert.deepEqual({ waiting: first.waiting, started: first.started }, { waiting: 1, started: 1 });
    const [report] = reports;
    assert.equal(report?.disposition, 'malicious');
    assert.equal(report.needsAnalyst, false);
    assert.equal(report.filedIn, 'Clawback/Processed');
    assert.equal(report.originals[0]?.original.messageId, messageId);
    assert.match(report.originals[0]!.verdict.reasons[0]!, /billing-portal\.example.*phish-feed/);
    const incidentId = incidentIdFor(messageId);
    assert.deepEqual(report.originals[0]?.incident, { incidentId, status: 'started' });

    const incident = await stack.waitFor(incidentId, (s) => !['pulling', 'awaiting-approval'].includes(s.status));
    // Gmail keeps a forwarder's sent copy in Sent whatever its labels: residual, not contained.
    assert.equal(incident.status, kind === 'gmail' ? 'partially-contained' : 'contained', JSON.stringify(incident.residualExposure));
    assert.ok(incident.residualExposure.every((r: { reason: string }) => ['external', 'provider-limit'].includes(r.reason)), JSON.stringify(incident.residualExposure));
    assert.deepEqual(incident.sources, [ABUSE_ID]);
    assert.equal(incident.counts.copiesPulled, incident.counts.copiesFound);
    assert.ok(incident.counts.copiesFound >= 5, `copies found: ${incident.counts.copiesFound}`);
    for (const address of [a.alice, a.bob, a.carol, a.finance]) {
      const [resolved] = await provider.resolve([address]);
      assert.deepEqual(await provider.findCopies((resolved as { mailbox: MailboxRef }).mailbox, { messageId }), [], `${address} still has the phish`);
    }

    const [reply] = (await smtp.waitFor(mailsBefore + 1)).slice(mailsBefore);
    assert.deepEqual(reply?.to, [a.alice]);
    assert.match(reply!.mail.subject ?? '', /\[malicious\]/);
    assert.match(reply!.mail.text ?? '', /removing it from every mailbox/);
    assert.equal(reply!.mail.headers.get('x-clawback-disposition'), 'malicious');
    assert.ok(String(reply!.mail.inReplyTo).includes('report-1.'));

    assert.deepEqual(await provider.listMessages(abuseMailbox, 'inbox', 10), []);
    assert.equal((await provider.listMessages(abuseMailbox, 'Clawback/Processed', 10)).length, 1);

    await waitForVisibility(1);
    const listed = await stack.request('GET', `/v1/reports?mailbox=${ABUSE_ID}&disposition=malicious`, { key: DEMO_ADMIN_KEY });
    assert.equal(listed.status, 200);
    const entry = listed.body.reports.find((r: any) => r.incidents.some((i: any) => i.incidentId === incidentId));
    assert.ok(entry, JSON.stringify(listed.body));
    assert.equal(entry.reporter, a.alice);
    assert.equal(entry.originals[0].disposition, 'malicious');
    assert.match(entry.incidents[0].self, new RegExp(`/v1/incidents/${incidentId}$`));
    assert.equal((await stack.request('GET', '/v1/reports', { key: DEMO_SOURCE_KEY })).status, 403, 'reports name employees: admins only');
    assert.equal((await stack.request('GET', '/v1/reports?disposition=evil', { key: DEMO_ADMIN_KEY })).status, 400);
  });

  it('re-polling never handles a report twice: one met again after its handling is filed where it was, unanswered', async () => {
    const processed = await provider.listMessages(abuseMailbox, 'Clawback/Processed', 10);
    assert.equal(processed.length, 1);
    // Delivered again, or put back by someone: the handled report is in the inbox once more.
    await provider.moveToFolder(abuseMailbox, processed[0]!.itemId, 'inbox');
    const mailsBefore = smtp.received.length;
    const { poll: again } = await poll();
    assert.deepEqual({ waiting: again.waiting, started: again.started, skipped: again.skipped, refiled: again.refiled }, { waiting: 1, started: 0, skipped: 1, refiled: 1 });
    assert.deepEqual(await provider.listMessages(abuseMailbox, 'inbox', 10), []);
    assert.equal((await provider.listMessages(abuseMailbox, 'Clawback/Processed', 10)).length, 1);
    assert.equal(smtp.received.length, mailsBefore, 'no second answer to the reporter');
  });

  it('a forged report is never acted on: an outsider, or a message the reporter never received', async () => {
    const mailsBefore = smtp.received.length;
    const benign = rename(DEMO_BENIGN_MESSAGE_ID);
    // A made-up copy of a real message dave never received, dressed with a listed phishing link.
    const forged = await compose({ from: a.partner, to: [a.alice, a.bob, a.carol], subject: 'Agenda for Thursday', messageId: benign, text: 'Agenda: https://billing-portal.example/pay' });
    await deliverReport(await compose({ from: a.dave, to: ABUSE, subject: 'phish!', attachments: [{ filename: 'agenda.eml', content: forged, contentType: 'message/rfc822' }] }));
    await deliverReport(await compose({ from: 'mallory@evil.example', to: ABUSE, subject: 'phish!', attachments: [{ filename: 'agenda.eml', content: forged, contentType: 'message/rfc822' }] }));
    const { reports } = await poll();
    assert.equal(reports.length, 2);
    for (const report of reports) {
      const [original] = report.originals;
      assert.equal(original?.verdict.disposition, 'malicious', 'judged on what it claims');
      assert.equal(original.incident, undefined, 'but no incident: the reporter does not hold it');
      assert.match(original.confirmation, /no such message in dave@|not one of our mailboxes/);
      assert.equal(report.needsAnalyst, true);
      assert.equal(report.filedIn, 'Clawback/Needs review');
    }
    assert.equal((await stack.request('GET', `/v1/incidents/${incidentIdFor(benign)}`, { key: DEMO_ADMIN_KEY })).status, 404);
    for (const address of [a.alice, a.bob]) await copyOf(address, benign);
    assert.equal(smtp.received.length, mailsBefore, 'dave refuses mail; the outsider is never answered');
  });

  it('an Outlook inline forward is matched in the reporter mailbox; an allow-listed sender is known-good and nothing is pulled', async () => {
    const messageId = rename(DEMO_BENIGN_MESSAGE_ID);
    const mailsBefore = smtp.received.length;
    await deliverReport(
      await compose({
        from: a.bob,
        to: ABUSE,
        subject: 'FW: Agenda for Thursday',
        text: [
          'Is this real?',
          '',
          '________________________________',
          `From: Partner Ltd <${a.partner}>`,
          'Sent: Tuesday, December 1, 2026 8:02 AM',
          `To: Alice Smith <${a.alice}>; Bob Jones <${a.bob}>`,
          'Subject: Agenda for Thursday',
          '',
          'Hi both, the agenda for Thursday is attached. Regards, Partner Ltd',
        ].join('\r\n'),
      }),
    );
    const { reports } = await poll();
    const [report] = reports;
    assert.equal(report?.disposition, 'known-good');
    assert.equal(report.originals[0]?.original.found, 'inline-outlook');
    assert.equal(report.originals[0]?.original.messageId, messageId, 'located in the reporter mailbox');
    assert.match(report.originals[0]!.confirmation, /found in bob@.*by sender, subject and date/);
    assert.equal(report.originals[0]?.incident, undefined);
    assert.equal(report.filedIn, 'Clawback/Processed');
    await copyOf(a.bob, messageId);
    const [reply] = (await smtp.waitFor(mailsBefore + 1)).slice(mailsBefore);
    assert.deepEqual(reply?.to, [a.bob]);
    assert.match(reply!.mail.text ?? '', /safe/);
  });

  it('a report with no recoverable original is kept for an analyst; an answer the mail server refuses does not hold it up', async () => {
    const inReview = (await provider.listMessages(abuseMailbox, 'Clawback/Needs review', 100)).length;
    await deliverReport(await compose({ from: a.dave, to: ABUSE, subject: 'weird call', text: 'Someone called me claiming to be IT. Is this phishing?' }));
    const { reports } = await poll();
    const [report] = reports;
    assert.equal(report?.disposition, 'unknown');
    assert.equal(report.needsAnalyst, true);
    assert.deepEqual(report.originals, []);
    assert.equal(report.filedIn, 'Clawback/Needs review');
    assert.equal((await provider.listMessages(abuseMailbox, 'Clawback/Needs review', 100)).length, inReview + 1);
    assert.equal(report.replied, false);
    assert.match(report.replyFailed ?? '', /550 no such user/, 'a refused answer is recorded, and the report filed all the same');
  });

  it('the reporters threshold: the second distinct reporter makes it malicious; one reporter twice counts once', async () => {
    const messageId = rename(PRIZE_ID);
    const reportOf = (reporter: string) => attachedReport(reporter, messageId, 'FW: You won a gift card');
    await deliverReport(await reportOf(a.carol));
    const first = (await poll()).reports[0]!;
    assert.equal(first.disposition, 'unknown');
    await deliverReport(await reportOf(a.carol));
    const again = (await poll()).reports[0]!;
    assert.equal(again.disposition, 'unknown', 'the same reporter counts once');
    await deliverReport(await reportOf(a.dave));
    const second = (await poll()).reports[0]!;
    assert.equal(second.disposition, 'malicious');
    assert.match(second.originals[0]!.verdict.reasons[0]!, /2 distinct reporters/);
    const incident = await stack.waitFor(incidentIdFor(messageId), (s) => s.status === 'contained');
    assert.equal(incident.counts.copiesPulled, 2);
  });

  it('hostile MIME: deep nesting, a huge header, bad encodings and garbage are judged and filed, never crash', async () => {
    let nested: Buffer = Buffer.from(`From: x@evil.example\r\nSubject: core\r\nMessage-ID: <core@evil.example>\r\n\r\nbody\r\n`);
    for (let i = 0; i < 40; i++) nested = await compose({ from: 'x@evil.example', subject: `layer ${i}`, attachments: [{ filename: `l${i}.eml`, content: nested, contentType: 'message/rfc822' }] });
    const hostile = [
      await compose({ from: a.dave, to: ABUSE, subject: 'nested', attachments: [{ filename: 'deep.eml', content: nested, contentType: 'message/rfc822' }] }),
      Buffer.concat([Buffer.from(`From: ${a.dave}\r\nTo: ${ABUSE}\r\nSubject: huge\r\nX-Huge: `), Buffer.alloc(400_000, 'a'), Buffer.from('\r\n\r\nbody\r\n')]),
      Buffer.from(`From: ${a.dave}\r\nTo: ${ABUSE}\r\nSubject: =?x-unknown?B?!!!?=\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n%%%not base64%%%\r\n`),
      Buffer.from([0x00, 0xff, 0xfe, 0x13, 0x37, ...Buffer.from('\r\n\r\n\x00\x01garbage')]),
    ];
    for (const raw of hostile) await deliverReport(raw);
    const { poll: outcome, reports } = await poll();
    assert.equal(outcome.started, hostile.length);
    for (const report of reports) {
      assert.ok(['Clawback/Processed', 'Clawback/Needs review'].includes(report.filedIn), report.filedIn);
    }
    assert.ok(reports.some((r) => r.problems.length > 0), 'the parser says what it cut short');
    assert.deepEqual(await provider.listMessages(abuseMailbox, 'inbox', 10), []);
  });
});
