import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { verify, X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';
import { ConfigError, parseConfig } from '../src/config/load.js';
import { SecretUnavailable } from '../src/config/secret.js';
import type { MailboxRef, MessageCopy, PullRecord, PullResult } from '../src/domain/mail.js';
import { EVIDENCE_FOLDER_NAME } from '../src/domain/quarantine.js';
import { ProviderError } from '../src/providers/errors.js';
import { assertionSigner, clientAssertion } from '../src/providers/graph/assertion.js';
import type { GraphProviderConfigInput } from '../src/providers/graph/config.js';
import { GraphConfigError, openGraphProvider } from '../src/providers/graph/open.js';
import type { GraphProvider } from '../src/providers/graph/provider.js';
import { DEMO_ADDRESSES, DEMO_DOMAIN, DEMO_FORWARD_ID, DEMO_MESSAGE_ID, demoScenario } from '../src/sim/demo.js';
import { graphFace } from '../src/sim/graph/index.js';
import { Tenant } from '../src/sim/model.js';
import { parseScenario, type ScenarioInput } from '../src/sim/scenario.js';
import { startSimServer, type SimServer } from '../src/sim/server.js';
import { checkFolderCreations } from './support/folder-creations.js';
import { DEMO_ADMIN_KEY, DEMO_SOURCE_KEY, startStack, uniqueScenario } from './support/stack.js';

const a = DEMO_ADDRESSES;
const exampleAlert = JSON.parse(readFileSync(new URL('../examples/alert.json', import.meta.url), 'utf8'));
const QUARANTINE = 'Clawback Quarantine';
const SOC = `soc@${DEMO_DOMAIN}`;
const CLIENT_ID = 'clawback-graph-test';
/** Every special character a Message-ID may carry into an OData literal. */
const AWKWARD_ID = `<a+b&c#d'e@awkward.example>`;

function caFileFor(sim: SimServer): string {
  const file = join(mkdtempSync(join(tmpdir(), 'clawback-graph-')), 'ca.pem');
  writeFileSync(file, sim.caCert);
  return file;
}

function providerConfig(sim: SimServer, overrides: Partial<GraphProviderConfigInput> = {}): GraphProviderConfigInput {
  return { type: 'graph', tenant: 'demo', clientId: CLIENT_ID, clientSecret: 'not-a-secret', authority: sim.url, graphBaseUrl: sim.url, caFile: caFileFor(sim), ...overrides };
}

function openProvider(sim: SimServer, overrides: Partial<GraphProviderConfigInput> = {}, tenantId = 'demo'): Promise<GraphProvider> {
  const config = parseConfig({
    tenants: [{ id: tenantId, domains: [DEMO_DOMAIN], provider: providerConfig(sim, overrides) }],
    sources: [{ id: 'source', key: 'source-key-1' }],
  }).tenants[0]!.provider;
  assert.equal(config.type, 'graph');
  return openGraphProvider(config, { tenantId, domains: [DEMO_DOMAIN], quarantine: { mailbox: SOC } });
}

/** The demo tenant plus the security team's quarantine mailbox. */
const baseScenario = parseScenario({ ...demoScenario, users: [...demoScenario.users, { address: SOC, displayName: 'Security' }] });

/** Like Temporal with `nextRetryDelay`: a Throttled error is retried after exactly its Retry-After. */
async function untilDone<T>(work: () => Promise<T>, seen: ProviderError[] = []): Promise<T> {
  for (;;) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof ProviderError) || error.type !== 'Throttled') throw error;
      assert.ok(error.retryAfterMs !== undefined && error.retryAfterMs > 0, 'a throttled error carries the Retry-After');
      seen.push(error);
      await sleep(error.retryAfterMs);
    }
  }
}

function pulled(results: PullResult[]): PullRecord[] {
  return results.map((result) => {
    assert.ok(result.outcome === 'pulled' || result.outcome === 'already-quarantined', `pulled, got ${JSON.stringify(result)}`);
    return result.record;
  });
}

describe('Graph provider over the simulated tenant, through @microsoft/microsoft-graph-client over HTTPS', () => {
  let sim: SimServer;
  let provider: GraphProvider;
  const tenant = () => sim.context.tenant.current;

  before(async () => {
    sim = await startSimServer({ tenant: Tenant.fromScenario(baseScenario), faces: [graphFace] });
  });
  after(() => sim.close());
  beforeEach(async () => {
    load(baseScenario);
    // A provider per test: it caches folder ids per mailbox, and each test seeds a new tenant.
    provider = await openProvider(sim);
  });

  function load(scenario: ScenarioInput): void {
    sim.context.tenant.current = Tenant.fromScenario(scenario);
    sim.context.faults.set({});
    sim.context.counters.reset();
  }

  async function mailbox(address: string): Promise<MailboxRef> {
    const [resolution] = await provider.resolve([address]);
    assert.equal(resolution?.kind, 'mailbox', `${address} is a mailbox`);
    return (resolution as { mailbox: MailboxRef }).mailbox;
  }

  function placements(messageId: string, address?: string) {
    return tenant()
      .locate(messageId)
      .filter((p) => !address || p.mailbox === address)
      .map((p) => `${p.mailbox} ${p.folderPath} ${p.isRead ? 'read' : 'unread'}`)
      .sort();
  }

  test('resolves an alias to its user, a shared mailbox, a list, an unknown address; external ones without a request', async () => {
    const results = await provider.resolve([a.aliceAlias, a.finance, a.allStaff, `nobody@${DEMO_DOMAIN}`]);
    assert.deepEqual(
      results.map((r) => [r.kind, r.kind === 'mailbox' ? `${r.mailbox.address} ${r.mailbox.kind}` : r.kind === 'group' ? r.group.address : r.address]),
      [
        ['mailbox', `${a.alice} user`],
        ['mailbox', `${a.finance} shared`],
        ['group', a.allStaff],
        ['unknown', `nobody@${DEMO_DOMAIN}`],
      ],
    );
    sim.context.counters.reset();
    assert.deepEqual(await provider.resolve([a.partner]), [{ kind: 'external', address: a.partner }]);
    assert.equal(sim.context.counters.snapshot().totalRequests, 0, 'an address outside the tenant is never looked up');
  });

  test('expands a nested list that contains itself: each mailbox once, the nested list named, the expansion ends', async () => {
    const [list] = await provider.resolve([a.teamEng]);
    assert.equal(list?.kind, 'group');
    const expansion = await provider.expandGroup((list as { group: { tenantId: string; groupId: string; address: string } }).group);
    assert.deepEqual(expansion.mailboxes.map((m) => m.address).sort(), [a.alice, a.bob, a.carol].sort());
    assert.deepEqual(expansion.nestedGroups.map((g) => g.address), [a.allStaff]);
    assert.deepEqual(expansion.external, []);
  });

  test('finds the copy in a subfolder, the read copy, the shared mailbox copy in Junk Email', async () => {
    const found = await Promise.all([a.carol, a.bob, a.finance].map(async (address) => provider.findCopies(await mailbox(address), { messageId: DEMO_MESSAGE_ID })));
    assert.deepEqual(
      found.map((copies) => copies.map((c) => `${c.mailbox.address} ${c.folderPath} ${c.isRead ? 'read' : 'unread'}`)),
      [[`${a.carol} Inbox/Invoices unread`], [`${a.bob} Inbox read`], [`${a.finance} Junk Email unread`]],
    );
  });

  test('finds several copies of an awkward Message-ID: Inbox, a deep subfolder, Deleted Items and Recoverable Items, over several pages', async () => {
    const folders = ['inbox', 'Inbox/Projects/2026', 'deleteditems', 'recoverableitemsdeletions'];
    load(
      parseScenario({
        ...baseScenario,
        users: baseScenario.users.map((u) => (u.address === a.bob ? { ...u, folders: ['Inbox/Projects/2026'] } : u)),
        messages: [
          ...baseScenario.messages!,
          {
            messageId: AWKWARD_ID,
            from: a.attacker,
            to: [a.bob],
            subject: 'Awkward',
            date: '2026-12-01T10:00:00Z',
            deliveries: [...folders, ...folders, ...folders].map((folder) => ({ mailbox: a.bob, folder })),
          },
        ],
      }),
    );
    const copies = await provider.findCopies(await mailbox(a.bob), { messageId: AWKWARD_ID });
    assert.equal(copies.length, 12, 'every copy, across more than one page of 10');
    assert.deepEqual([...new Set(copies.map((c) => c.folderPath))].sort(), ['Deleted Items', 'Inbox', 'Inbox/Projects/2026', 'Recoverable Items']);
    assert.ok(copies.every((c) => c.internetMessageId === AWKWARD_ID));
  });

  test('falls back to sender, subject and time window when the Message-ID was rewritten', async () => {
    const bob = await mailbox(a.bob);
    const window = { sender: a.attacker, subject: 'Overdue invoice 4471', receivedAfter: '2026-12-01T09:00:00Z', receivedBefore: '2026-12-01T10:00:00Z' };
    const copies = await provider.findCopies(bob, { messageId: '<rewritten@gateway.example>', ...window });
    assert.deepEqual(copies.map((c) => c.internetMessageId), [DEMO_MESSAGE_ID]);
    assert.deepEqual(await provider.findCopies(bob, { messageId: '<rewritten@gateway.example>', ...window, receivedAfter: '2026-12-02T00:00:00Z' }), []);
  });

  test('follows a forward chain three deep: each hop its own Message-ID and recipients, a look-alike ignored', async () => {
    const chain = [
      { of: DEMO_MESSAGE_ID, by: a.alice, messageId: '<hop-1@demo.clawback.test>', to: [a.bob], date: '2026-12-01T09:40:00Z' },
      { of: '<hop-1@demo.clawback.test>', by: a.bob, messageId: '<hop-2@demo.clawback.test>', to: [a.carol], date: '2026-12-01T09:50:00Z' },
      { of: '<hop-2@demo.clawback.test>', by: a.carol, messageId: '<hop-3@demo.clawback.test>', to: [a.dave, a.partner], date: '2026-12-01T10:00:00Z' },
    ];
    const lookAlike = {
      messageId: '<unrelated@demo.clawback.test>',
      from: a.bob,
      to: [a.dave],
      subject: 'FW: Overdue invoice 4471',
      date: '2026-12-01T11:00:00Z',
      references: ['<some-other@elsewhere.example>'],
      deliveries: [{ mailbox: a.bob, folder: 'sentitems', isRead: true }],
    };
    load({ ...baseScenario, forwards: [...baseScenario.forwards!, ...chain], messages: [...baseScenario.messages!, lookAlike] });

    let messageId = DEMO_MESSAGE_ID;
    let holder: string = a.alice;
    const hops: string[] = [];
    for (const hop of chain) {
      const [copy] = await provider.findCopies(await mailbox(holder), { messageId });
      assert.ok(copy, `${holder} holds ${messageId}`);
      const forwards = await provider.findForwards(copy.mailbox, copy);
      const next = forwards.find((f) => f.messageId === hop.messageId);
      assert.ok(next, `${holder}'s forward ${hop.messageId} found among ${JSON.stringify(forwards.map((f) => f.messageId))}`);
      assert.deepEqual(next.recipients, hop.to);
      assert.ok(!forwards.some((f) => f.messageId === lookAlike.messageId), 'a message naming another original is no forward');
      hops.push(next.messageId);
      messageId = next.messageId;
      holder = hop.to[0]!;
    }
    assert.deepEqual(hops, chain.map((h) => h.messageId));
    const [last] = await provider.findCopies(await mailbox(a.dave), { messageId });
    assert.deepEqual(await provider.findForwards(last!.mailbox, last!), [], 'dave forwarded nothing');
  });

  test('pulls into a hidden folder created once; a second pull of the same copies reports already-quarantined and moves nothing', async () => {
    const bob = await mailbox(a.bob);
    const copies = await provider.findCopies(bob, { messageId: DEMO_MESSAGE_ID });
    const first = await provider.quarantine(copies, 'quarantine-folder', 'inc-1');
    assert.deepEqual(first.map((r) => r.outcome), ['pulled']);
    assert.deepEqual(placements(DEMO_MESSAGE_ID, a.bob), [`${a.bob} ${QUARANTINE} read`]);
    const folder = tenant().findFolder(bob.mailboxId, QUARANTINE);
    assert.ok(folder?.isHidden, 'the quarantine folder is hidden');

    const again = await (await openProvider(sim)).quarantine(copies, 'quarantine-folder', 'inc-1');
    assert.deepEqual(again.map((r) => r.outcome), ['already-quarantined']);
    const [record] = pulled(again);
    assert.equal(record!.quarantineFolderId, folder.id);
    assert.equal(record!.copy.folderPath, 'Inbox');
    assert.equal(tenant().listFolders(bob.mailboxId, { includeHidden: true }).filter((f) => f.displayName === QUARANTINE).length, 1, 'created once');
    assert.deepEqual(placements(DEMO_MESSAGE_ID, a.bob), [`${a.bob} ${QUARANTINE} read`]);
    assert.deepEqual(await provider.findCopies(bob, { messageId: DEMO_MESSAGE_ID }), [], 'a quarantined copy is contained, not found again');
  });

  test('a copy the user moved between search and pull is found again and pulled; undo puts it where the user had put it', async () => {
    const carol = await mailbox(a.carol);
    const [copy] = await provider.findCopies(carol, { messageId: DEMO_MESSAGE_ID });
    const [message] = tenant().findMessages(carol.mailboxId, DEMO_MESSAGE_ID);
    tenant().move(carol.mailboxId, message!.immutableId, 'archive');

    const [result] = await provider.quarantine([copy!], 'quarantine-folder', 'inc-2');
    assert.equal(result?.outcome, 'pulled');
    assert.equal(result.itemId, copy!.itemId, 'reported under the id the search gave');
    assert.deepEqual(placements(DEMO_MESSAGE_ID, a.carol), [`${a.carol} ${QUARANTINE} unread`]);

    const restored = await provider.restore(pulled([result]));
    assert.deepEqual(restored, [{ outcome: 'restored', itemId: copy!.itemId, folderId: tenant().findFolder(carol.mailboxId, 'archive')!.id, folderPath: 'Archive', originalFolder: true }]);
  });

  test('undo restores the original folder and read state; a deleted folder means the Inbox; a copy the user deleted is missing', async () => {
    const [bob, carol, finance] = await Promise.all([a.bob, a.carol, a.finance].map(mailbox));
    const records: PullRecord[] = [];
    for (const box of [bob!, carol!, finance!]) {
      const copies = await provider.findCopies(box, { messageId: DEMO_MESSAGE_ID });
      records.push(...pulled(await provider.quarantine(copies, 'quarantine-folder', 'inc-3')));
    }
    const [bobRecord, carolRecord, financeRecord] = records;
    // In quarantine, an analyst opened Carol's copy and Bob's was marked unread; Finance deleted its copy for good.
    tenant().setRead(carol!.mailboxId, carolRecord!.quarantinedItemId, true);
    tenant().setRead(bob!.mailboxId, bobRecord!.quarantinedItemId, false);
    assert.ok(tenant().hardDelete(finance!.mailboxId, financeRecord!.quarantinedItemId));

    const results = [...(await provider.restore([bobRecord!])), ...(await provider.restore([carolRecord!])), ...(await provider.restore([financeRecord!]))];
    assert.deepEqual(results.map((r) => (r.outcome === 'restored' ? `${r.outcome} ${r.folderPath} ${r.originalFolder}` : r.outcome)), [
      'restored Inbox true',
      'restored Inbox/Invoices true',
      'missing',
    ]);
    assert.deepEqual(placements(DEMO_MESSAGE_ID), [`${a.alice} Inbox unread`, `${a.bob} Inbox read`, `${a.carol} Inbox/Invoices unread`].sort());

    const [again] = pulled(await provider.quarantine(await provider.findCopies(carol!, { messageId: DEMO_MESSAGE_ID }), 'quarantine-folder', 'inc-3b'));
    tenant().deleteFolder(carol!.mailboxId, 'Inbox/Invoices');
    const [toInbox] = await provider.restore([again!]);
    assert.deepEqual(toInbox && toInbox.outcome === 'restored' && [toInbox.folderPath, toInbox.originalFolder], ['Inbox', false]);
  });

  test('soft-delete moves into Recoverable Items and junk into Junk Email, both reversible', async () => {
    const [bob, carol] = await Promise.all([a.bob, a.carol].map(mailbox));
    const [soft] = pulled(await provider.quarantine(await provider.findCopies(bob!, { messageId: DEMO_MESSAGE_ID }), 'soft-delete', 'inc-4'));
    const [junk] = pulled(await provider.quarantine(await provider.findCopies(carol!, { messageId: DEMO_MESSAGE_ID }), 'junk', 'inc-4'));
    assert.deepEqual(placements(DEMO_MESSAGE_ID, a.bob), [`${a.bob} Recoverable Items read`]);
    assert.deepEqual(placements(DEMO_MESSAGE_ID, a.carol), [`${a.carol} Junk Email unread`]);
    await provider.restore([soft!]);
    await provider.restore([junk!]);
    assert.deepEqual(placements(DEMO_MESSAGE_ID, a.bob), [`${a.bob} Inbox read`]);
    assert.deepEqual(placements(DEMO_MESSAGE_ID, a.carol), [`${a.carol} Inbox/Invoices unread`]);
  });

  test('quarantine-mailbox keeps one raw copy per incident in the quarantine mailbox, however many mailboxes held it', async () => {
    const records: PullRecord[] = [];
    for (const address of [a.alice, a.bob, a.carol]) {
      const copies = await provider.findCopies(await mailbox(address), { messageId: DEMO_MESSAGE_ID });
      records.push(...pulled(await provider.quarantine(copies, 'quarantine-mailbox', 'inc-5')));
    }
    const soc = await mailbox(SOC);
    const folder = tenant().findFolder(soc.mailboxId, 'Clawback Incidents/inc-5');
    assert.ok(folder, 'the incident folder exists');
    const kept = tenant().messagesIn(soc.mailboxId, folder.id);
    assert.deepEqual(kept.map((m) => [m.internetMessageId, m.subject]), [[DEMO_MESSAGE_ID, 'Overdue invoice 4471']]);
    assert.ok(records.every((r) => r.evidence?.itemId === records[0]!.evidence!.itemId && r.evidence?.mailbox === SOC));
    assert.deepEqual(placements(DEMO_MESSAGE_ID).filter((p) => !p.startsWith(SOC) && !p.startsWith(a.finance)), [a.alice, a.bob, a.carol].map((m) => `${m} ${QUARANTINE} ${m === a.bob ? 'read' : 'unread'}`).sort());
    assert.deepEqual(await provider.findCopies(soc, { messageId: DEMO_MESSAGE_ID }), [], 'evidence is contained, never pulled');
  });

  test('a pull reports the folders it made once: the hidden quarantine folder, the evidence folders', async () => {
    await checkFolderCreations({
      provider,
      restarted: await openProvider(sim),
      mailbox,
      quarantineMailbox: SOC,
      evidencePaths: (incidentId) => [EVIDENCE_FOLDER_NAME, `${EVIDENCE_FOLDER_NAME}/${incidentId}`],
    });
  });

  test('a throttling storm on most requests still completes: batch steps retried on their own, whole calls after exactly Retry-After', async () => {
    // Bob holds 24 copies (two batches of moves), Alice, Carol and Finance one each.
    const holders = [a.alice, a.carol, a.finance, ...Array.from({ length: 24 }, () => a.bob)];
    const campaign = { messageId: AWKWARD_ID, from: a.attacker, subject: 'Awkward', date: '2026-12-01T10:00:00Z', deliveries: holders.map((holder) => ({ mailbox: holder })) };
    load(parseScenario({ ...baseScenario, messages: [...baseScenario.messages!, campaign] }));
    sim.context.faults.set({
      seed: 11,
      faults: [
        { operation: 'graph.messages.move', kind: 'throttle', retryAfterMs: 1000, rate: 0.6 },
        { operation: 'graph.batch', kind: 'throttle', retryAfterMs: 1000, rate: 0.2 },
        ...['graph.messages.list', 'graph.mailFolders.*', 'graph.users.*'].map((operation) => ({ operation, kind: 'throttle' as const, retryAfterMs: 1000, rate: 0.3 })),
      ],
    });
    const throttled: ProviderError[] = [];
    const boxes = await untilDone(async () => (await provider.resolve([a.alice, a.bob, a.carol, a.finance])).map((r) => (r as { mailbox: MailboxRef }).mailbox), throttled);
    const results = await Promise.all(
      boxes.map(async (box) => {
        const copies = await untilDone(() => provider.findCopies(box, { messageId: AWKWARD_ID }), throttled);
        return untilDone(() => provider.quarantine(copies, 'quarantine-folder', 'inc-6'), throttled);
      }),
    );
    assert.equal(results.flat().filter((r) => r.outcome === 'pulled' || r.outcome === 'already-quarantined').length, 27);
    assert.deepEqual(tenant().locate(AWKWARD_ID).filter((p) => p.folderPath !== QUARANTINE), []);
    const { totalRequests, totalThrottles, requests, throttles } = sim.context.counters.snapshot();
    assert.ok(totalThrottles * 3 >= totalRequests, `a storm: ${totalThrottles} of ${totalRequests} requests throttled`);
    assert.ok(throttles['graph.messages.move']! * 2 >= requests['graph.messages.move']!, 'most moves met a 429');
    assert.ok(throttled.length > 0 && throttled.every((e) => e.retryAfterMs === 1000), 'whole calls failed as Throttled with Graph\'s Retry-After');
  });

  test('never more than four requests at once per mailbox: the sim\'s own concurrency limit never trips', async () => {
    sim.context.faults.set({ latency: [{ operation: 'graph.*', minMs: 20, maxMs: 20 }] });
    const bob = await mailbox(a.bob);
    await Promise.all(Array.from({ length: 12 }, () => provider.findCopies(bob, { messageId: DEMO_MESSAGE_ID })));
    assert.equal(sim.context.counters.snapshot().totalThrottles, 0);
  });

  test('refusals are typed: a missing permission names the app and the permission, an unknown mailbox is MailboxNotFound', async () => {
    sim.context.faults.set({ faults: [{ operation: 'graph.users.list', kind: 'status', status: 403 }] });
    await assert.rejects(provider.resolve([a.bob]), (error: unknown) => {
      assert.ok(error instanceof ProviderError && error.type === 'AuthRejected');
      assert.match(error.message, new RegExp(`${CLIENT_ID}.*User\\.Read\\.All`));
      return true;
    });
    sim.context.faults.set({});
    await assert.rejects(
      provider.findCopies({ tenantId: 'demo', mailboxId: 'ghost@demo.clawback.test', address: 'ghost@demo.clawback.test', kind: 'user' }, { messageId: DEMO_MESSAGE_ID }),
      (error: unknown) => error instanceof ProviderError && error.type === 'MailboxNotFound' && error.context.mailbox === 'ghost@demo.clawback.test',
    );
    const wrongTenant = await openProvider(sim, { tenant: 'contoso.example' });
    await assert.rejects(wrongTenant.resolve([a.bob]), (error: unknown) => {
      assert.ok(error instanceof ProviderError && error.type === 'AuthRejected');
      assert.match(error.message, new RegExp(CLIENT_ID));
      assert.doesNotMatch(error.message, /not-a-secret/);
      return true;
    });
  });

  test('a certificate credential signs an RS256 client assertion naming the certificate; a key that is not the certificate\'s is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clawback-graph-cert-'));
    const [app, other] = await Promise.all([generate([{ name: 'commonName', value: 'clawback-app' }], { keySize: 2048 }), generate([{ name: 'commonName', value: 'other' }], { keySize: 2048 })]);
    writeFileSync(join(dir, 'app.key'), app.private);
    writeFileSync(join(dir, 'app.pem'), app.cert);
    const certificate = { privateKey: { file: join(dir, 'app.key') }, certificateFile: join(dir, 'app.pem') };
    const withCertificate = await openProvider(sim, { clientSecret: undefined, certificate });
    assert.equal((await withCertificate.resolve([a.bob]))[0]?.kind, 'mailbox', 'the token endpoint took the assertion');

    const tokenUrl = `${sim.url}/demo/oauth2/v2.0/token`;
    const [header, claims, signature] = clientAssertion(assertionSigner(app.private, app.cert), CLIENT_ID, tokenUrl).split('.');
    const x509 = new X509Certificate(app.cert);
    assert.ok(verify('sha256', Buffer.from(`${header}.${claims}`), x509.publicKey, Buffer.from(signature!, 'base64url')), 'signed by the certificate\'s key');
    const decoded = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    assert.deepEqual({ ...decoded(header!) }, { alg: 'RS256', typ: 'JWT', x5t: Buffer.from(x509.fingerprint.replace(/:/g, ''), 'hex').toString('base64url') });
    assert.deepEqual([decoded(claims!).aud, decoded(claims!).iss, decoded(claims!).sub], [tokenUrl, CLIENT_ID, CLIENT_ID]);

    writeFileSync(join(dir, 'other.key'), other.private);
    await assert.rejects(openProvider(sim, { clientSecret: undefined, certificate: { ...certificate, privateKey: { file: join(dir, 'other.key') } } }), (error: unknown) => error instanceof GraphConfigError && /certificate/.test(error.message));
  });

  test('a bad configuration is refused at start-up with the key to fix', async () => {
    const refused = (provider: Partial<GraphProviderConfigInput>) => () =>
      parseConfig({ tenants: [{ id: 'o365', domains: [DEMO_DOMAIN], provider: { ...providerConfig(sim), ...provider } }], sources: [{ id: 's', key: 'source-key-1' }] });
    assert.throws(refused({ graphBaseUrl: 'http://graph.example' }), (error: unknown) => error instanceof ConfigError && /graphBaseUrl/.test(error.message));
    assert.throws(refused({ certificate: { privateKey: 'x', certificateFile: 'cert.pem' } }), (error: unknown) => error instanceof ConfigError && /exactly one credential/.test(error.message));
    await assert.rejects(openProvider(sim, { caFile: '/nonexistent/ca.pem' }), (error: unknown) => error instanceof GraphConfigError && /caFile/.test(error.message));
    await assert.rejects(openProvider(sim, { clientSecret: { env: 'CLAWBACK_TEST_UNSET_SECRET' } }), SecretUnavailable);
  });
});

describe('an incident end to end through the workflow, pulled through Graph', () => {
  const stacks: { stop(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(stacks.splice(0).map((s) => s.stop()));
  });

  test('every copy, the list, moved and forwarded ones, is pulled through Graph; undo puts them all back', async () => {
    const { scenario, rename } = uniqueScenario();
    let sim: SimServer | undefined;
    const stack = await startStack({
      scenario,
      providerFor: async (tenant) => {
        sim = await startSimServer({ tenant, faces: [graphFace] });
        return { provider: await openProvider(sim), close: () => sim!.close() };
      },
    });
    stacks.push(stack);
    const ids = [rename(DEMO_MESSAGE_ID), rename(DEMO_FORWARD_ID)];
    const where = () => ids.flatMap((id) => stack.tenant.locate(id).map((p) => `${id} ${p.mailbox} ${p.folderPath} ${p.isRead}`)).sort();
    const before = where();

    const accepted = await stack.request('POST', '/v1/alerts', {
      key: DEMO_SOURCE_KEY,
      body: { ...exampleAlert, alertId: 'graph-e2e', messageId: ids[0] },
    });
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    const incident = await stack.waitFor(accepted.body.incidentId, (s) => s.status !== 'pulling', 60_000);
    assert.equal(incident.status, 'contained');
    assert.equal(incident.counts.copiesPulled, before.length);
    assert.deepEqual(ids.flatMap((id) => stack.tenant.locate(id).filter((p) => p.folderPath !== QUARANTINE)), []);
    assert.ok(sim!.context.counters.snapshot().requests['graph.batch']! > 0, 'moves went through $batch');

    const undo = await stack.request('POST', `/v1/incidents/${accepted.body.incidentId}/undo`, { key: DEMO_ADMIN_KEY, body: { reason: 'false positive' } });
    assert.equal(undo.status, 200, JSON.stringify(undo.body).slice(0, 500));
    assert.equal(undo.body.status, 'undone');
    assert.equal(undo.body.counts.copiesRestored, before.length);
    assert.deepEqual(where(), before);
  });
});
