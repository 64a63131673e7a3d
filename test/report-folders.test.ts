import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import type { ListedMessage, MailboxRef } from '../src/domain/mail.js';
import { ProviderError } from '../src/providers/errors.js';
import { EwsProvider } from '../src/providers/ews/provider.js';
import { gmailProviderForSimulator } from '../src/providers/gmail/simulated-tenant.js';
import { GraphProviderConfig } from '../src/providers/graph/config.js';
import { isGraphError } from '../src/providers/graph/errors.js';
import { openGraphProvider } from '../src/providers/graph/open.js';
import type { MailProvider, ReportFolders } from '../src/providers/port.js';
import { SimulatedProvider } from '../src/providers/simulated/provider.js';
import { DEMO_DOMAIN, DEMO_TENANT_ID, demoScenario } from '../src/sim/demo.js';
import { DEMO_EWS_ACCOUNT, EWS_PATH, ewsFace } from '../src/sim/ews/index.js';
import { gmailFace } from '../src/sim/gmail/index.js';
import { graphFace } from '../src/sim/graph/index.js';
import { messageFieldsOf, UNKNOWN_SENDER } from '../src/sim/mime-fields.js';
import { Tenant } from '../src/sim/model.js';
import { parseScenario } from '../src/sim/scenario.js';
import { startSimServer, type SimServer } from '../src/sim/server.js';
import { responseSchemaChecker } from './support/ews-schema.js';
import { graphClientFor } from './support/graph-client.js';

const ABUSE = `abuse@${DEMO_DOMAIN}`;
const PROCESSED = 'Clawback/Processed';
/** The abuse mailbox has a subfolder of its inbox, whose mail a listing of the inbox must leave out. */
const scenario = parseScenario({ ...demoScenario, users: [...demoScenario.users, { address: ABUSE, displayName: 'Abuse reports', folders: ['Inbox/Triage'] }] });

type Provider = MailProvider & ReportFolders;

/**
 * A report as a user's mail client forwards it, with what a round trip must not normalise:
 * bare-LF line endings beside CRLF ones, trailing spaces, and bytes that are not UTF-8.
 */
function reportMime(n: number, subject = `Report ${n}`): Buffer {
  const head = `From: reporter${n}@${DEMO_DOMAIN}\r\nTo: ${ABUSE}\r\nSubject: ${subject}\r\nMessage-ID: <report-${n}@${DEMO_DOMAIN}>\r\nDate: Tue, 01 Dec 2026 09:0${n}:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), Buffer.from('Looks like phishing.  \nSee below:\r\n'), Buffer.from([0xe9, 0xff, 0x0d, 0x0a])]);
}

describe('ReportFolders: the same contract on every provider', () => {
  let sim: SimServer;
  let dir: string;
  let schema: ReturnType<typeof responseSchemaChecker>;
  const ewsBodies: string[] = [];
  const tenant = () => sim.context.tenant.current;

  before(async () => {
    sim = await startSimServer({ tenant: Tenant.fromScenario(scenario), faces: [graphFace, ewsFace, gmailFace] });
    dir = mkdtempSync(join(tmpdir(), 'clawback-reports-'));
    writeFileSync(join(dir, 'ca.pem'), sim.caCert);
    schema = responseSchemaChecker();
  });
  after(async () => {
    await sim.close();
    schema.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    assert.deepEqual(schema.check(ewsBodies.splice(0)), [], 'every EWS answer is valid against messages.xsd');
  });

  /** Each provider over the same simulated tenant: in process, or through its client library over HTTPS. */
  const providers: Record<string, () => Promise<Provider>> = {
    simulated: async () => new SimulatedProvider({ tenant: tenant() }),
    graph: () =>
      openGraphProvider(
        GraphProviderConfig.parse({ type: 'graph', tenant: DEMO_TENANT_ID, clientId: 'clawback-reports', clientSecret: 'not-a-secret', authority: sim.url, graphBaseUrl: sim.url, caFile: join(dir, 'ca.pem') }),
        { tenantId: DEMO_TENANT_ID, domains: [DEMO_DOMAIN] },
      ),
    ews: () =>
      EwsProvider.open({
        tenantId: DEMO_TENANT_ID,
        config: { type: 'ews', url: `${sim.url}${EWS_PATH}`, caFile: join(dir, 'ca.pem'), auth: { type: 'basic', ...DEMO_EWS_ACCOUNT } },
        domains: [DEMO_DOMAIN],
        onResponse: (body) => ewsBodies.push(body),
      }),
    gmail: async () => gmailProviderForSimulator({ url: sim.url, caCert: sim.caCert, tenantId: DEMO_TENANT_ID, domains: [DEMO_DOMAIN] }, { adminUser: ABUSE }),
  };

  async function rawDelivery(body: unknown): Promise<Response> {
    return fetch(`${sim.controlUrl}/raw-deliveries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  }

  async function deliver(mime: Buffer, receivedAt: string, folder = 'inbox'): Promise<void> {
    const response = await rawDelivery({ mailbox: ABUSE, folder, mimeBase64: mime.toString('base64'), receivedAt });
    assert.equal(response.status, 201, await response.clone().text());
  }

  function abuseMailboxId(): string {
    const entry = tenant().resolveAddress(ABUSE);
    assert.equal(entry?.kind, 'mailbox');
    return entry.mailbox.id;
  }

  function subjects(listed: ListedMessage[]): (string | undefined)[] {
    return listed.map((message) => message.subject);
  }

  for (const [name, open] of Object.entries(providers)) {
    describe(name, () => {
      let provider: Provider;
      let mailbox: MailboxRef;
      /** Gmail lists newest first and cannot sort: the contract asks it for every message, in any order. */
      const sorts = name !== 'gmail';

      beforeEach(async () => {
        sim.context.tenant.current = Tenant.fromScenario(scenario);
        provider = await open();
        const [resolution] = await provider.resolve([ABUSE]);
        assert.equal(resolution?.kind, 'mailbox');
        mailbox = resolution.mailbox;
      });

      test('lists the messages directly in the inbox, oldest first, at most the limit', async () => {
        await deliver(reportMime(2), '2026-12-01T09:02:00Z');
        await deliver(reportMime(1), '2026-12-01T09:01:00Z');
        await deliver(reportMime(3), '2026-12-01T09:03:00Z');
        await deliver(reportMime(4, 'Filed away'), '2026-12-01T09:00:00Z', 'Inbox/Triage');

        const all = await provider.listMessages(mailbox, 'inbox', 10);
        const expected = ['Report 1', 'Report 2', 'Report 3'];
        assert.deepEqual(sorts ? subjects(all) : subjects(all).sort(), expected);
        const report = all.find((message) => message.subject === 'Report 1')!;
        assert.deepEqual(
          { internetMessageId: report.internetMessageId, from: report.from, receivedAt: Date.parse(report.receivedAt!) },
          { internetMessageId: `<report-1@${DEMO_DOMAIN}>`, from: `reporter1@${DEMO_DOMAIN}`, receivedAt: Date.parse('2026-12-01T09:01:00Z') },
        );

        const first = await provider.listMessages(mailbox, 'inbox', 2);
        assert.equal(first.length, 2);
        if (sorts) assert.deepEqual(subjects(first), ['Report 1', 'Report 2']);
        assert.deepEqual(subjects(await provider.listMessages(mailbox, 'Inbox/Triage', 10)), ['Filed away']);
        assert.deepEqual(await provider.listMessages(mailbox, PROCESSED, 10), [], 'a folder not made yet holds nothing');
      });

      test('reads back the exact bytes delivered', async () => {
        const mime = reportMime(5);
        await deliver(mime, '2026-12-01T09:05:00Z');
        const [listed] = await provider.listMessages(mailbox, 'inbox', 10);
        assert.ok(listed);
        assert.deepEqual(await provider.readMime(mailbox, listed.itemId), mime);
      });

      test('moves a report into Clawback/Processed, making the path once and reusing it', async () => {
        const mimes = [reportMime(6), reportMime(7)];
        await deliver(mimes[0]!, '2026-12-01T09:06:00Z');
        await deliver(mimes[1]!, '2026-12-01T09:07:00Z');
        const [first, second] = await provider.listMessages(mailbox, 'inbox', 10);
        assert.ok(first && second);

        const moved = await provider.moveToFolder(mailbox, first.itemId, PROCESSED);
        const clawbackFolders = () => tenant().listFolders(abuseMailboxId()).filter((folder) => folder.path.startsWith('Clawback'));
        assert.deepEqual(clawbackFolders().map((folder) => `${folder.path}${folder.isHidden ? ' (hidden)' : ''}`), ['Clawback', PROCESSED]);
        assert.deepEqual(subjects(await provider.listMessages(mailbox, 'inbox', 10)), ['Report 7']);
        assert.deepEqual(
          (await provider.listMessages(mailbox, PROCESSED, 10)).map((message) => message.itemId),
          [moved.itemId],
        );
        assert.deepEqual(await provider.readMime(mailbox, moved.itemId), mimes[0]);

        const movedAgain = await provider.moveToFolder(mailbox, second.itemId, PROCESSED);
        assert.equal(movedAgain.folderId, moved.folderId);
        assert.equal(clawbackFolders().length, 2, 'the second move reuses the folders');
        assert.deepEqual(await provider.listMessages(mailbox, 'inbox', 10), []);
        assert.deepEqual(subjects(await provider.listMessages(mailbox, PROCESSED, 10)).sort(), ['Report 6', 'Report 7']);
      });

      test('moves a report back to the inbox, where it reads as before', async () => {
        const mime = reportMime(8);
        await deliver(mime, '2026-12-01T09:08:00Z');
        const [listed] = await provider.listMessages(mailbox, 'inbox', 10);
        const processed = await provider.moveToFolder(mailbox, listed!.itemId, PROCESSED);
        const back = await provider.moveToFolder(mailbox, processed.itemId, 'inbox');
        assert.notEqual(back.folderId, processed.folderId);
        assert.deepEqual(await provider.listMessages(mailbox, PROCESSED, 10), []);
        assert.deepEqual((await provider.listMessages(mailbox, 'inbox', 10)).map((message) => message.itemId), [back.itemId]);
        assert.deepEqual(tenant().messagesIn(abuseMailboxId(), 'inbox').map((message) => message.subject), ['Report 8']);
        assert.deepEqual(await provider.readMime(mailbox, back.itemId), mime);
      });

      test('an item that no longer exists is ProviderRejected, naming the mailbox and the item', async () => {
        await deliver(reportMime(8), '2026-12-01T09:08:00Z');
        const [listed] = await provider.listMessages(mailbox, 'inbox', 10);
        assert.ok(listed);
        assert.ok(tenant().hardDelete(abuseMailboxId(), tenant().messagesIn(abuseMailboxId(), 'inbox')[0]!.immutableId));
        const rejected = (error: unknown) => {
          assert.ok(error instanceof ProviderError, String(error));
          assert.equal(error.type, 'ProviderRejected');
          assert.match(error.message, new RegExp(`${ABUSE}.*${listed.itemId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
          return true;
        };
        await assert.rejects(provider.readMime(mailbox, listed.itemId), rejected);
        await assert.rejects(provider.moveToFolder(mailbox, listed.itemId, PROCESSED), rejected);
      });
    });
  }

  describe('simulated, over the model directly', () => {
    test('reads back the bytes a message was imported as', async () => {
      sim.context.tenant.current = Tenant.fromScenario(scenario);
      const provider = new SimulatedProvider({ tenant: tenant() });
      const mime = reportMime(9);
      const imported = tenant().importMessage(abuseMailboxId(), 'inbox', await messageFieldsOf(mime, { id: abuseMailboxId(), address: ABUSE }), { mime });
      const [mailbox] = await provider.resolve([ABUSE]);
      assert.equal(mailbox?.kind, 'mailbox');
      const [listed] = await provider.listMessages(mailbox.mailbox, 'inbox', 1);
      assert.equal(listed?.itemId, imported.immutableId);
      assert.deepEqual(await provider.readMime(mailbox.mailbox, imported.immutableId), mime);
    });
  });

  describe('Graph face', () => {
    test('sorts a folder by $orderby, either way, and refuses a property it cannot sort on', async () => {
      sim.context.tenant.current = Tenant.fromScenario(scenario);
      await deliver(reportMime(1), '2026-12-01T09:01:00Z');
      await deliver(reportMime(2), '2026-12-01T09:02:00Z');
      const client = graphClientFor(sim);
      const inbox = () => client.api(`/users/${ABUSE}/mailFolders/inbox/messages`).select('subject');
      const listed = async (orderBy: string) => ((await inbox().orderby(orderBy).get()) as { value: { subject: string }[] }).value.map((message) => message.subject);
      assert.deepEqual(await listed('receivedDateTime'), ['Report 1', 'Report 2']);
      assert.deepEqual(await listed('receivedDateTime desc'), ['Report 2', 'Report 1']);
      await assert.rejects(inbox().orderby('importance').get(), (error: unknown) => isGraphError(error, 400, 'BadRequest'));
    });
  });

  describe('control API: POST /raw-deliveries', () => {
    beforeEach(() => {
      sim.context.tenant.current = Tenant.fromScenario(scenario);
    });

    test('stores the exact bytes as a new unread message in the folder, with the fields its headers give', async () => {
      const mime = reportMime(1);
      const response = await rawDelivery({ mailbox: ABUSE, folder: 'Inbox/Triage', mimeBase64: mime.toString('base64'), receivedAt: '2026-12-01T10:00:00Z' });
      assert.equal(response.status, 201);
      const { itemId } = (await response.json()) as { itemId: string };
      const stored = tenant().message(abuseMailboxId(), itemId);
      assert.ok(stored);
      assert.deepEqual(
        { folder: stored.folderPath, isRead: stored.isRead, receivedAt: stored.receivedAt, from: stored.from, subject: stored.subject, messageId: stored.internetMessageId },
        { folder: 'Inbox/Triage', isRead: false, receivedAt: '2026-12-01T10:00:00Z', from: `reporter1@${DEMO_DOMAIN}`, subject: 'Report 1', messageId: `<report-1@${DEMO_DOMAIN}>` },
      );
      assert.deepEqual(Buffer.from(stored.mime!, 'base64'), mime);
    });

    test('stores MIME it cannot make a message of with placeholder fields, bytes untouched', async () => {
      for (const mime of [Buffer.from([0x00, 0xff, 0xfe, 0x0a, 0x0a, 0x01]), Buffer.from('From: not an address\r\nSubject: hostile\r\n\r\nbody\r\n'), Buffer.alloc(0)]) {
        const response = await rawDelivery({ mailbox: ABUSE, mimeBase64: mime.toString('base64') });
        assert.equal(response.status, 201, await response.clone().text());
        const stored = tenant().message(abuseMailboxId(), ((await response.json()) as { itemId: string }).itemId);
        assert.ok(stored);
        assert.equal(stored.from, UNKNOWN_SENDER);
        assert.equal(stored.folderPath, 'Inbox');
        assert.match(stored.internetMessageId, new RegExp(`@${DEMO_DOMAIN.replace(/\./g, '\\.')}>$`));
        assert.deepEqual(Buffer.from(stored.mime ?? '', 'base64'), mime);
      }
    });

    test('refuses bad input with 400 and an unknown mailbox or folder with 404', async () => {
      const mimeBase64 = reportMime(1).toString('base64');
      const cases: [unknown, number, string][] = [
        ['{not json', 400, 'invalid-request'],
        [{ mailbox: ABUSE }, 400, 'invalid-request'],
        [{ mailbox: ABUSE, mimeBase64: 'not base64!' }, 400, 'invalid-request'],
        [{ mailbox: ABUSE, mimeBase64, extra: true }, 400, 'invalid-request'],
        [{ mailbox: ABUSE, mimeBase64, receivedAt: 'yesterday' }, 400, 'invalid-request'],
        [{ mailbox: `nobody@${DEMO_DOMAIN}`, mimeBase64 }, 404, 'unknown-mailbox'],
        [{ mailbox: ABUSE, folder: 'No/Such/Folder', mimeBase64 }, 404, 'unknown-folder'],
      ];
      for (const [body, status, code] of cases) {
        const response = await rawDelivery(body);
        assert.equal(response.status, status, JSON.stringify(body));
        assert.equal(((await response.json()) as { error: { code: string } }).error.code, code);
      }
      assert.deepEqual(tenant().messagesOf(abuseMailboxId()), [], 'nothing refused was stored');
    });
  });
});
