import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { MailboxRef, MessageCopy, PullRecord, PullResult } from '../src/domain/mail.js';
import { EVIDENCE_FOLDER_NAME } from '../src/domain/quarantine.js';
import { demoConfig, parseConfig } from '../src/config/load.js';
import { SecretUnavailable } from '../src/config/secret.js';
import { openProviders } from '../src/providers/from-config.js';
import { ProviderError } from '../src/providers/errors.js';
import type { EwsProviderConfigInput } from '../src/providers/ews/config.js';
import { EwsProvider } from '../src/providers/ews/provider.js';
import { DEMO_ADDRESSES as a, DEMO_FORWARD_ID, DEMO_MESSAGE_ID, demoScenario } from '../src/sim/demo.js';
import { createEwsFace, DEMO_EWS_ACCOUNT, EWS_PATH, ewsFace } from '../src/sim/ews/index.js';
import type { Face } from '../src/sim/face.js';
import type { FaultPlanInput } from '../src/sim/faults.js';
import { graphFace } from '../src/sim/graph/index.js';
import { Tenant } from '../src/sim/model.js';
import { parseScenario, type Scenario } from '../src/sim/scenario.js';
import { startSimServer, type SimServer } from '../src/sim/server.js';
import { checkFolderCreations } from './support/folder-creations.js';
import { DEMO_ADMIN_KEY, DEMO_SOURCE_KEY, startStack, uniqueScenario } from './support/stack.js';

const QUARANTINE = 'Clawback Quarantine';
const exampleAlert = JSON.parse(readFileSync(new URL('../examples/alert.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const erin = 'erin@demo.clawback.test';
const frank = 'frank@demo.clawback.test';
const security = 'security@demo.clawback.test';
const pager = 'pager@demo.clawback.test';
const SECOND_FORWARD_ID = '<fw-4471-dave@demo.clawback.test>';
const THIRD_FORWARD_ID = '<fw-4471-erin@demo.clawback.test>';
const SCATTERED_ID = '<scattered-1@outside.example>';
const BULK_ID = '<bulk-1@outside.example>';
const BULK_COPIES = 260;

/**
 * The demo tenant plus: a forward chain alice → dave → erin → frank, a message scattered over
 * bob's subfolder, Deleted Items and Recoverable Items, 260 copies of one message in one folder,
 * and the security team's quarantine mailbox.
 */
const scenario: Scenario = parseScenario({
  ...demoScenario,
  users: [
    ...demoScenario.users.map((user) => (user.address === a.bob ? { ...user, folders: ['Inbox/Projects'] } : user)),
    { address: erin, displayName: 'Erin Green' },
    { address: frank, displayName: 'Frank Black' },
    { address: security, displayName: 'Security team', kind: 'shared' },
    { address: pager, displayName: 'Pager' },
  ],
  messages: [
    ...demoScenario.messages,
    {
      messageId: SCATTERED_ID,
      from: 'sender@outside.example',
      to: [a.bob],
      subject: 'Scattered',
      date: '2026-12-02T10:00:00Z',
      deliveries: [
        { mailbox: a.bob, folder: 'Inbox/Projects', isRead: true },
        { mailbox: a.bob, folder: 'deleteditems' },
        { mailbox: a.bob, folder: 'recoverableitemsdeletions' },
      ],
    },
    {
      messageId: BULK_ID,
      from: 'sender@outside.example',
      to: [pager],
      subject: 'Bulk',
      date: '2026-12-02T11:00:00Z',
      deliveries: Array.from({ length: BULK_COPIES }, () => ({ mailbox: pager })),
    },
  ],
  forwards: [
    ...demoScenario.forwards,
    { of: DEMO_FORWARD_ID, by: a.dave, messageId: SECOND_FORWARD_ID, to: [erin], date: '2026-12-01T10:00:00Z' },
    { of: SECOND_FORWARD_ID, by: erin, messageId: THIRD_FORWARD_ID, to: [frank], date: '2026-12-01T10:30:00Z' },
  ],
});

interface Harness {
  sim: SimServer;
  tenant: Tenant;
  provider: EwsProvider;
  open(config?: Partial<EwsProviderConfigInput>): Promise<EwsProvider>;
  mailbox(address: string): MailboxRef;
  close(): Promise<void>;
}

const dirs: string[] = [];
after(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function caFileFor(sim: SimServer): string {
  const dir = mkdtempSync(join(tmpdir(), 'clawback-ews-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'ca.pem'), sim.caCert);
  return join(dir, 'ca.pem');
}

function basicConfig(sim: SimServer, caFile: string): EwsProviderConfigInput {
  return { type: 'ews', url: `${sim.url}${EWS_PATH}`, caFile, auth: { type: 'basic', ...DEMO_EWS_ACCOUNT } };
}

async function startHarness(options: { faces?: Face[]; faults?: FaultPlanInput; seed?: Scenario } = {}): Promise<Harness> {
  const tenant = Tenant.fromScenario(options.seed ?? scenario);
  const sim = await startSimServer({ tenant, faces: options.faces ?? [ewsFace, graphFace], ...(options.faults ? { faults: options.faults } : {}) });
  const caFile = caFileFor(sim);
  const open = (config: Partial<EwsProviderConfigInput> = {}) =>
    EwsProvider.open({ tenantId: 'demo', config: { ...basicConfig(sim, caFile), ...config } as EwsProviderConfigInput, domains: ['demo.clawback.test'], quarantine: { mailbox: security } });
  return {
    sim,
    tenant,
    provider: await open(),
    open,
    mailbox: (address) => ({ tenantId: 'demo', mailboxId: address, address, kind: 'user' }),
    close: () => sim.close(),
  };
}

/** A tenant of its own for one test, closed whatever happens. */
async function withHarness(body: (h: Harness) => Promise<void>, options: Parameters<typeof startHarness>[0] = {}): Promise<void> {
  const h = await startHarness(options);
  try {
    await body(h);
  } finally {
    await h.close();
  }
}

function placements(tenant: Tenant, messageId: string, mailbox?: string): string[] {
  return tenant
    .locate(messageId)
    .filter((p) => mailbox === undefined || p.mailbox === mailbox)
    .map((p) => `${p.mailbox} ${p.folderPath} ${p.isRead ? 'read' : 'unread'}`)
    .sort();
}

function records(results: PullResult[]): PullRecord[] {
  return results.flatMap((result) => ('record' in result ? [result.record] : []));
}

function requests(sim: SimServer, operation: string): number {
  return sim.context.counters.snapshot().requests[`ews.${operation}`] ?? 0;
}

describe('EWS provider: directory and search', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  test('resolves an alias to its mailbox, a list to a list, a contact or stranger as external, a miss in our domain as unknown', async () => {
    const resolved = await h.provider.resolve([a.aliceAlias, a.allStaff, a.partner, 'someone@elsewhere.example', 'nobody@demo.clawback.test', 'not-an-address']);
    assert.deepEqual(
      resolved.map((r) => [r.kind, r.kind === 'mailbox' ? r.mailbox.address : r.kind === 'group' ? r.group.address : r.address]),
      [
        ['mailbox', a.alice],
        ['group', a.allStaff],
        ['external', a.partner],
        ['external', 'someone@elsewhere.example'],
        ['unknown', 'nobody@demo.clawback.test'],
        ['unknown', 'not-an-address'],
      ],
    );
  });

  test('expands a nested list that contains itself, each list once', async () => {
    const before = requests(h.sim, 'ExpandDL');
    const expansion = await h.provider.expandGroup({ tenantId: 'demo', groupId: a.allStaff, address: a.allStaff });
    assert.deepEqual(expansion.mailboxes.map((m) => m.address).sort(), [a.alice, a.bob, a.carol]);
    assert.deepEqual(expansion.nestedGroups.map((g) => g.address), [a.teamEng]);
    assert.equal(requests(h.sim, 'ExpandDL') - before, 2, 'all-staff and team-eng, once each');
  });

  test('finds copies in a subfolder, in Deleted Items and in Recoverable Items, several per mailbox', async () => {
    const carol = await h.provider.findCopies(h.mailbox(a.carol), { messageId: DEMO_MESSAGE_ID });
    assert.deepEqual(carol.map((c) => c.folderPath), ['Inbox/Invoices']);
    const bob = await h.provider.findCopies(h.mailbox(a.bob), { messageId: SCATTERED_ID });
    assert.deepEqual(bob.map((c) => `${c.folderPath} ${c.isRead}`).sort(), ['Deleted Items false', 'Inbox/Projects true', 'Recoverable Items false']);
    assert.equal(new Set(bob.map((c) => c.itemId)).size, 3);
  });

  test('pages past the 250-item find limit to the last copy', async () => {
    const before = requests(h.sim, 'FindItem');
    const copies = await h.provider.findCopies(h.mailbox(pager), { messageId: BULK_ID });
    assert.equal(copies.length, BULK_COPIES);
    assert.equal(new Set(copies.map((c) => c.itemId)).size, BULK_COPIES);
    assert.equal(requests(h.sim, 'FindItem') - before, 2, 'one request per page, all folders in each');
  });

  test('falls back to sender, subject and time when the Message-ID matches nothing', async () => {
    const query = { messageId: '<rewritten@gateway.example>', sender: a.attacker, subject: 'overdue invoice 4471', receivedAfter: '2026-12-01T09:00:00Z', receivedBefore: '2026-12-01T10:00:00Z' };
    assert.deepEqual((await h.provider.findCopies(h.mailbox(a.carol), query)).map((c) => c.internetMessageId), [DEMO_MESSAGE_ID]);
    assert.deepEqual(await h.provider.findCopies(h.mailbox(a.carol), { ...query, receivedBefore: '2026-12-01T09:10:00Z' }), []);
  });

  test('follows a forward chain of depth 3, each hop with its own Message-ID', async () => {
    const hops: string[] = [];
    let holder: string = a.alice;
    let messageId = DEMO_MESSAGE_ID;
    for (const next of [a.dave, erin, frank]) {
      const [copy] = await h.provider.findCopies(h.mailbox(holder), { messageId });
      const forwards = await h.provider.findForwards(h.mailbox(holder), copy!);
      assert.equal(forwards.length, 1, `${holder} forwarded once`);
      hops.push(forwards[0]!.messageId);
      messageId = forwards[0]!.messageId;
      holder = next;
    }
    assert.deepEqual(hops, [DEMO_FORWARD_ID, SECOND_FORWARD_ID, THIRD_FORWARD_ID]);
    const [bobCopy] = await h.provider.findCopies(h.mailbox(a.bob), { messageId: DEMO_MESSAGE_ID });
    assert.deepEqual(await h.provider.findForwards(h.mailbox(a.bob), bobCopy!), [], 'bob forwarded nothing');
  });

  test('a forward carries its recipients, so the workflow can follow it', async () => {
    const [copy] = await h.provider.findCopies(h.mailbox(a.alice), { messageId: DEMO_MESSAGE_ID });
    const [forward] = await h.provider.findForwards(h.mailbox(a.alice), copy!);
    assert.deepEqual(forward!.recipients.sort(), [a.dave, a.partner].sort());
  });
});

describe('EWS provider: quarantine and undo', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  const copiesOf = (address: string, messageId = DEMO_MESSAGE_ID) => h.provider.findCopies(h.mailbox(address), { messageId });

  test('pulls into one hidden folder per mailbox, created once; a second pull is already-quarantined', async () => {
    const copies = await copiesOf(a.carol);
    const first = await h.provider.quarantine(copies, 'quarantine-folder', 'inc-hidden');
    assert.deepEqual(first.map((r) => r.outcome), ['pulled']);
    assert.deepEqual(placements(h.tenant, DEMO_MESSAGE_ID, a.carol), [`${a.carol} ${QUARANTINE} unread`]);
    const carolId = h.tenant.resolveAddress(a.carol);
    assert.ok(carolId?.kind === 'mailbox');
    assert.equal(h.tenant.findFolder(carolId.mailbox.id, QUARANTINE)?.isHidden, true);

    const creates = requests(h.sim, 'CreateFolder');
    const moves = requests(h.sim, 'MoveItem');
    const second = await h.provider.quarantine(copies, 'quarantine-folder', 'inc-hidden');
    assert.deepEqual(second.map((r) => r.outcome), ['already-quarantined']);
    assert.equal(records(second)[0]!.quarantinedItemId, records(first)[0]!.quarantinedItemId);
    assert.equal(records(second)[0]!.copy.folderPath, 'Inbox/Invoices', 'the record still knows where the copy was');
    assert.equal(requests(h.sim, 'CreateFolder'), creates, 'the folder is not created again');
    assert.equal(requests(h.sim, 'MoveItem') - moves, 1, 'one MoveItem, refused; nothing moved twice');
    assert.deepEqual(await copiesOf(a.carol), [], 'copies in quarantine are not found again');
  });

  test('moves several copies of a mailbox in one MoveItem and undoes each to its folder and read state', async () => {
    const before = placements(h.tenant, SCATTERED_ID);
    const copies = await copiesOf(a.bob, SCATTERED_ID);
    const moves = requests(h.sim, 'MoveItem');
    const pulled = await h.provider.quarantine(copies, 'quarantine-folder', 'inc-undo');
    assert.equal(requests(h.sim, 'MoveItem') - moves, 1);
    assert.deepEqual(pulled.map((r) => r.outcome), ['pulled', 'pulled', 'pulled']);
    assert.ok(placements(h.tenant, SCATTERED_ID).every((p) => p.includes(QUARANTINE)));
    // Someone flips the read state while the copies sit in quarantine: undo sets it back (UpdateItem).
    const updates = requests(h.sim, 'UpdateItem');
    for (const record of records(pulled)) {
      const entry = h.tenant.resolveAddress(record.copy.mailbox.address);
      assert.ok(entry?.kind === 'mailbox');
      h.tenant.setRead(entry.mailbox.id, record.quarantinedItemId, !record.copy.isRead);
    }
    const restored = await h.provider.restore(records(pulled));
    assert.deepEqual(restored.map((r) => r.outcome === 'restored' && r.originalFolder), [true, true, true]);
    assert.ok(requests(h.sim, 'UpdateItem') > updates, 'the read state went back through UpdateItem');
    assert.deepEqual(placements(h.tenant, SCATTERED_ID), before);
  });

  test('a copy the user moved between search and pull is found again and pulled from where it is', async () => {
    const [copy] = await copiesOf(a.bob);
    const bob = h.tenant.resolveAddress(a.bob);
    assert.ok(bob?.kind === 'mailbox');
    h.tenant.move(bob.mailbox.id, copy!.itemId, 'deleteditems');
    const [result] = await h.provider.quarantine([copy!], 'quarantine-folder', 'inc-moved');
    assert.equal(result!.outcome, 'pulled');
    assert.equal(result!.itemId, copy!.itemId, 'reported under the id it was found with');
    assert.deepEqual(placements(h.tenant, DEMO_MESSAGE_ID, a.bob), [`${a.bob} ${QUARANTINE} read`]);
    const [back] = await h.provider.restore(records([result!]));
    assert.equal(back!.outcome === 'restored' && back!.folderPath, 'Deleted Items', 'undo returns it where the user had put it');
  });

  test('undo reports a copy deleted from quarantine as missing and still restores the others', async () => {
    const copies = [...(await copiesOf(a.alice)), ...(await copiesOf(a.finance))];
    const pulled = [...(await h.provider.quarantine(copies.slice(0, 1), 'quarantine-folder', 'inc-missing')), ...(await h.provider.quarantine(copies.slice(1), 'quarantine-folder', 'inc-missing'))];
    const alice = h.tenant.resolveAddress(a.alice);
    assert.ok(alice?.kind === 'mailbox');
    assert.ok(h.tenant.hardDelete(alice.mailbox.id, records(pulled)[0]!.quarantinedItemId));
    const [aliceBack] = await h.provider.restore(records(pulled).slice(0, 1));
    const [financeBack] = await h.provider.restore(records(pulled).slice(1));
    assert.equal(aliceBack!.outcome, 'missing');
    assert.deepEqual(financeBack, { outcome: 'restored', itemId: copies[1]!.itemId, folderId: copies[1]!.folderId, folderPath: 'Junk Email', originalFolder: true });
  });

  test('undo into a folder deleted meanwhile lands in the Inbox', async () => {
    const copies = await copiesOf(a.carol, DEMO_MESSAGE_ID);
    assert.deepEqual(copies, [], 'carol was pulled above');
    const [held] = h.tenant.locate(DEMO_MESSAGE_ID).filter((p) => p.mailbox === a.carol);
    h.tenant.move(held!.mailboxId, held!.itemId, 'Inbox/Invoices');
    const [again] = await copiesOf(a.carol);
    const pulled = await h.provider.quarantine([again!], 'quarantine-folder', 'inc-folder-gone');
    h.tenant.deleteFolder(held!.mailboxId, 'Inbox/Invoices');
    const [back] = await h.provider.restore(records(pulled));
    assert.equal(back!.outcome === 'restored' && `${back!.folderPath} ${back!.originalFolder}`, 'Inbox false');
    assert.deepEqual(placements(h.tenant, DEMO_MESSAGE_ID, a.carol), [`${a.carol} Inbox unread`]);
  });

  test('soft-delete and junk move into Recoverable Items and Junk Email', async () => {
    const [copy] = await copiesOf(a.dave, DEMO_FORWARD_ID);
    const [soft] = await h.provider.quarantine([copy!], 'soft-delete', 'inc-soft');
    assert.deepEqual(placements(h.tenant, DEMO_FORWARD_ID, a.dave), [`${a.dave} Recoverable Items unread`]);
    const [again] = await h.provider.quarantine([copy!], 'soft-delete', 'inc-soft');
    assert.equal(again!.outcome, 'already-quarantined');
    await h.provider.restore(records([soft!]));
    const [fresh] = await copiesOf(a.dave, DEMO_FORWARD_ID);
    await h.provider.quarantine([fresh!], 'junk', 'inc-junk');
    assert.deepEqual(placements(h.tenant, DEMO_FORWARD_ID, a.dave), [`${a.dave} Junk Email unread`]);
  });
});

describe('EWS provider: quarantine-mailbox evidence', () => {
  test('keeps one raw copy per incident in the quarantine mailbox and the originals in the hidden folder', async () => {
    await withHarness(async (h) => {
      const results: PullResult[] = [];
      for (const address of [a.alice, a.bob, a.carol]) {
        const copies = await h.provider.findCopies(h.mailbox(address), { messageId: DEMO_MESSAGE_ID });
        results.push(...(await h.provider.quarantine(copies, 'quarantine-mailbox', 'inc-evidence')));
      }
      const retry = await h.provider.quarantine(await h.provider.findCopies(h.mailbox(a.finance), { messageId: DEMO_MESSAGE_ID }), 'quarantine-mailbox', 'inc-evidence');
      results.push(...retry);
      assert.ok(results.every((r) => r.outcome === 'pulled'));
      const kept = h.tenant.locate(DEMO_MESSAGE_ID).filter((p) => p.mailbox === security);
      assert.deepEqual(kept.map((p) => p.folderPath), [`${EVIDENCE_FOLDER_NAME}/inc-evidence`]);
      assert.ok(records(results).every((r) => r.evidence?.itemId === kept[0]!.itemId && r.evidence.mailbox === security));
      assert.ok(h.tenant.locate(DEMO_MESSAGE_ID).filter((p) => p.mailbox !== security).every((p) => p.folderPath === QUARANTINE));
      assert.equal(requests(h.sim, 'CreateItem'), 1);
    });
  });

  test('a pull reports the folders it made once: the hidden quarantine folder, the evidence folders', async () => {
    await withHarness(async (h) => {
      await checkFolderCreations({
        provider: h.provider,
        restarted: await h.open(),
        mailbox: async (address) => h.mailbox(address),
        quarantineMailbox: security,
        evidencePaths: (incidentId) => [EVIDENCE_FOLDER_NAME, `${EVIDENCE_FOLDER_NAME}/${incidentId}`],
      });
    });
  });
});

describe('EWS provider: throttling, credentials and failures', () => {
  for (const throttleForm of ['soapFault', 'responseMessage'] as const) {
    test(`a storm of ErrorServerBusy (${throttleForm}) becomes Throttled with the back-off, and the pull completes`, async () => {
      const backOffMs = 40;
      const faults: FaultPlanInput = {
        faults: ['FindFolder', 'FindItem', 'CreateFolder', 'MoveItem'].map((operation) => ({ operation: `ews.${operation}`, kind: 'throttle' as const, retryAfterMs: backOffMs, rate: 0.5, times: 4 })),
        seed: 7,
      };
      await withHarness(async (h) => {
        const delays: number[] = [];
        /** What Temporal does with a Throttled failure: wait its nextRetryDelay, then run the activity again. */
        const retried = async <T>(work: () => Promise<T>): Promise<T> => {
          for (;;) {
            try {
              return await work();
            } catch (error) {
              if (!(error instanceof ProviderError && error.type === 'Throttled')) throw error;
              delays.push(error.retryAfterMs ?? -1);
              await new Promise((resolve) => setTimeout(resolve, error.retryAfterMs));
            }
          }
        };
        for (const address of [a.alice, a.bob, a.carol, a.finance]) {
          const copies = await retried(() => h.provider.findCopies(h.mailbox(address), { messageId: DEMO_MESSAGE_ID }));
          const results = await retried(() => h.provider.quarantine(copies, 'quarantine-folder', 'inc-storm'));
          assert.ok(results.every((r) => r.outcome === 'pulled' || r.outcome === 'already-quarantined'), JSON.stringify(results));
        }
        assert.ok(delays.length >= 4, `throttled ${delays.length} times`);
        assert.ok(delays.every((d) => d === backOffMs), `every Throttled carries BackOffMilliseconds: ${delays}`);
        assert.equal(h.sim.context.counters.snapshot().totalThrottles, delays.length);
        assert.ok(h.tenant.locate(DEMO_MESSAGE_ID).every((p) => p.folderPath === QUARANTINE));
      }, { faces: [createEwsFace({ throttleForm })], faults });
    });
  }

  test('Basic credentials the server refuses are AuthRejected, naming the account and the role it needs', async () => {
    await withHarness(async (h) => {
      const provider = await h.open({ auth: { type: 'basic', username: DEMO_EWS_ACCOUNT.username, password: 'wrong' } });
      await assert.rejects(provider.findCopies(h.mailbox(a.alice), { messageId: DEMO_MESSAGE_ID }), (error: unknown) => {
        assert.ok(error instanceof ProviderError);
        assert.equal(error.type, 'AuthRejected');
        assert.match(error.message, /svc-clawback/);
        assert.match(error.message, /ApplicationImpersonation/);
        assert.doesNotMatch(error.message, /wrong/);
        return true;
    });
    });
  });

  test('OAuth: a client-credentials token from the token endpoint, fetched once and reused', async () => {
    await withHarness(async (h) => {
      const provider = await h.open({ auth: { type: 'oauth', tokenUrl: `${h.sim.url}/demo/oauth2/v2.0/token`, clientId: 'clawback-app', clientSecret: 'app-secret' } });
      const copies = await provider.findCopies(h.mailbox(a.carol), { messageId: DEMO_MESSAGE_ID });
      assert.deepEqual(copies.map((c) => c.folderPath), ['Inbox/Invoices']);
      assert.equal((await provider.quarantine(copies, 'quarantine-folder', 'inc-oauth'))[0]!.outcome, 'pulled');
      assert.equal(h.sim.context.counters.snapshot().requests['graph.token'], 1);
    });
  });

  test('OAuth: a token the server refuses is replaced once, then the client is named as rejected', async () => {
    await withHarness(async (h) => {
      // A token for Graph's audience is well-formed but not one Exchange accepts.
      const provider = await h.open({ auth: { type: 'oauth', tokenUrl: `${h.sim.url}/demo/oauth2/v2.0/token`, clientId: 'clawback-app', clientSecret: 'app-secret', scope: 'https://graph.microsoft.com/.default' } });
      await assert.rejects(provider.findCopies(h.mailbox(a.carol), { messageId: DEMO_MESSAGE_ID }), (error: unknown) => {
        assert.ok(error instanceof ProviderError && error.type === 'AuthRejected');
        assert.match(error.message, /OAuth client clawback-app/);
        return true;
    });
    assert.equal(h.sim.context.counters.snapshot().requests['graph.token'], 2);
    });
  });

  test('an unknown mailbox is MailboxNotFound, one the account may not impersonate is AuthRejected', async () => {
    await withHarness(async (h) => {
      await assert.rejects(h.provider.findCopies(h.mailbox('ghost@demo.clawback.test'), { messageId: DEMO_MESSAGE_ID }), { name: 'MailboxNotFound' });
      await assert.rejects(h.provider.findCopies(h.mailbox(a.allStaff), { messageId: DEMO_MESSAGE_ID }), (error: unknown) => {
        assert.ok(error instanceof ProviderError && error.type === 'AuthRejected');
        assert.match(error.message, /ErrorImpersonateUserDenied/);
        return true;
    });
    });
  });

  test('a 503, a reset connection, no answer in time and a closed server are ProviderUnavailable', async () => {
    const h = await startHarness({
      faults: {
        faults: [
          { operation: 'ews.FindFolder', kind: 'status', status: 503, times: 1 },
          { operation: 'ews.FindFolder', kind: 'reset', times: 1 },
          { operation: 'ews.FindFolder', kind: 'timeout', times: 1 },
        ],
      },
    });
    const provider = await h.open({ requestTimeoutMs: 1000 });
    const search = () => provider.findCopies(h.mailbox(a.alice), { messageId: DEMO_MESSAGE_ID });
    await assert.rejects(search(), { name: 'ProviderUnavailable' });
    await assert.rejects(search(), { name: 'ProviderUnavailable' });
    await assert.rejects(search(), { name: 'ProviderUnavailable', message: /aborted|timeout/i });
    assert.equal((await search()).length, 1);
    await h.close();
    await assert.rejects(search(), { name: 'ProviderUnavailable' });
  });
});

describe('EWS provider configuration', () => {
  test('an ews tenant in the config file opens an EwsProvider, its caFile relative to the file', async () => {
    const h = await startHarness();
    try {
      const dir = mkdtempSync(join(tmpdir(), 'clawback-ews-config-'));
      dirs.push(dir);
      writeFileSync(join(dir, 'ca.pem'), h.sim.caCert);
      const base = demoConfig(dir);
      const provider = { type: 'ews', url: `${h.sim.url}${EWS_PATH}`, caFile: './ca.pem', auth: { type: 'basic', username: DEMO_EWS_ACCOUNT.username, password: { env: 'CLAWBACK_TEST_EWS_PASSWORD' } } };
      const config = parseConfig({ ...base, tenants: [{ id: 'corp', domains: ['demo.clawback.test'], provider }] }, join(dir, 'clawback.yaml'));
      assert.equal(config.tenants[0]!.provider.type === 'ews' && config.tenants[0]!.provider.caFile, join(dir, 'ca.pem'));
      process.env.CLAWBACK_TEST_EWS_PASSWORD = DEMO_EWS_ACCOUNT.password;
      const registry = await openProviders(config);
      const copies = await registry.forTenant('corp').findCopies({ tenantId: 'corp', mailboxId: a.carol, address: a.carol, kind: 'user' }, { messageId: DEMO_MESSAGE_ID });
      assert.deepEqual(copies.map((c) => c.folderPath), ['Inbox/Invoices']);
    } finally {
      delete process.env.CLAWBACK_TEST_EWS_PASSWORD;
      await h.close();
    }
  });

  test('a missing secret or CA file stops start-up with the config path, never a value', async () => {
    const config = { type: 'ews' as const, url: 'https://mail.corp.example/EWS/Exchange.asmx', auth: { type: 'basic' as const, username: 'svc', password: { env: 'CLAWBACK_TEST_UNSET' } } };
    await assert.rejects(EwsProvider.open({ tenantId: 'corp', config, domains: ['corp.example'], where: 'tenants.0.provider' }), (error: unknown) => {
      assert.ok(error instanceof SecretUnavailable);
      assert.match(error.message, /tenants\.0\.provider\.auth\.password: environment variable CLAWBACK_TEST_UNSET is not set/);
      return true;
    });
    await assert.rejects(EwsProvider.open({ tenantId: 'corp', config: { ...config, auth: { ...config.auth, password: 'x' }, caFile: '/nonexistent/ca.pem' }, domains: [], where: 'tenants.0.provider' }), /tenants\.0\.provider\.caFile: cannot read the CA file \/nonexistent\/ca\.pem: ENOENT/);
  });
});

describe('EWS provider through the incident workflow', () => {
  test('an alert pulls every copy over EWS, forwards followed, and undo puts them back', async () => {
    const { scenario: seed, rename } = uniqueScenario();
    const ids = { message: rename(DEMO_MESSAGE_ID), forward: rename(DEMO_FORWARD_ID) };
    const before = placements(Tenant.fromScenario(seed), ids.message);
    const stack = await startStack({
      scenario: seed,
      providerFor: async (tenant) => {
        const sim = await startSimServer({ tenant, faces: [ewsFace] });
        const provider = await EwsProvider.open({ tenantId: 'demo', config: basicConfig(sim, caFileFor(sim)), domains: ['demo.clawback.test'] });
        return { provider, close: () => sim.close() };
      },
    });
    try {
      const alert = { ...exampleAlert, messageId: ids.message };
      const { body } = await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: alert });
      const incident = await stack.waitFor(body.incidentId, (s) => !['pulling', 'awaiting-approval', 'undoing'].includes(s.status), 60_000);
      assert.equal(incident.status, 'contained');
      assert.deepEqual(stack.tenant.locate(ids.message).filter((p) => p.folderPath !== QUARANTINE), [], 'copies left outside quarantine');
      assert.deepEqual(incident.forwards.map((f: { messageId: string }) => f.messageId), [ids.forward]);
      assert.ok(incident.copies.some((c: MessageCopy) => c.folderPath === 'Inbox/Invoices'));
      const undone = await stack.request('POST', `/v1/incidents/${body.incidentId}/undo`, { key: DEMO_ADMIN_KEY, body: { reason: 'false positive' } });
      assert.equal(undone.body.status, 'undone');
      assert.deepEqual(placements(stack.tenant, ids.message), before);
    } finally {
      await stack.stop();
    }
  });
});
