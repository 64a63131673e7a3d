import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { DEFAULT_QUARANTINE_FOLDER as QUARANTINE } from '../src/domain/quarantine.js';
import { Tenant } from '../src/sim/model.js';
import { parseScenario, type ScenarioInput } from '../src/sim/scenario.js';
import { DEMO_ADMIN_KEY, DEMO_SOURCE_KEY, startStack } from './support/stack.js';

/**
 * Random small tenants (nested lists with cycles, aliases, subfolders, moves, forward chains)
 * and random alerts about one message, posted at once in random order. After every run the
 * invariants hold: nothing lost or duplicated (I1), everything in scope contained (I2), undo
 * puts every copy back exactly (I3), one incident and one pull per copy (I4).
 */

// The stack routes the demo domain to its tenant.
const DOMAIN = 'demo.clawback.test';
const settled = (s: any) => !['pulling', 'awaiting-approval', 'undoing'].includes(s.status);

const stacks: { stop(): Promise<void> }[] = [];
after(async () => {
  await Promise.all(stacks.map((s) => s.stop()));
});

interface TenantPlan {
  users: { alias: boolean; subfolder: boolean }[];
  groups: { members: number[]; external: boolean }[];
  to: number[];
  moves: { holder: number; folder: 'Inbox/Sub' | 'junkemail' | 'deleteditems'; isRead: boolean }[];
  forwards: { holder: number; to: number; external: boolean }[];
  alerts: { recipients: number[]; source: 0 | 1 }[];
}

const plan = fc
  .integer({ min: 2, max: 6 })
  .chain((userCount) =>
    fc.integer({ min: 0, max: 3 }).chain((groupCount) => {
      const addressCount = userCount + groupCount;
      const address = fc.integer({ min: 0, max: addressCount - 1 });
      return fc.record<TenantPlan>({
        users: fc.array(fc.record({ alias: fc.boolean(), subfolder: fc.boolean() }), { minLength: userCount, maxLength: userCount }),
        groups: fc.array(fc.record({ members: fc.uniqueArray(address, { minLength: 1, maxLength: addressCount }), external: fc.boolean() }), {
          minLength: groupCount,
          maxLength: groupCount,
        }),
        to: fc.uniqueArray(address, { minLength: 1, maxLength: addressCount }),
        moves: fc.array(
          fc.record({ holder: fc.nat(), folder: fc.constantFrom('Inbox/Sub' as const, 'junkemail' as const, 'deleteditems' as const), isRead: fc.boolean() }),
          { maxLength: 3 },
        ),
        forwards: fc.array(fc.record({ holder: fc.nat(), to: fc.integer({ min: 0, max: userCount - 1 }), external: fc.boolean() }), { maxLength: 3 }),
        alerts: fc.array(fc.record({ recipients: fc.uniqueArray(address, { minLength: 1, maxLength: addressCount }), source: fc.constantFrom(0 as const, 1 as const) }), {
          minLength: 1,
          maxLength: 3,
        }),
      });
    }),
  );

function scenarioOf(p: TenantPlan, tag: string): { scenario: ScenarioInput; messageId: string; addresses: string[] } {
  const user = (i: number) => `u${i}.${tag}@${DOMAIN}`;
  const group = (i: number) => `g${i}.${tag}@${DOMAIN}`;
  const addresses = [...p.users.map((_, i) => user(i)), ...p.groups.map((_, i) => group(i))];
  const messageId = `<m-${tag}@evil.example>`;
  const base: ScenarioInput = {
    tenantId: 'demo',
    domains: [DOMAIN],
    users: p.users.map((u, i) => ({ address: user(i), aliases: u.alias ? [`alias${i}.${tag}@${DOMAIN}`] : [], folders: u.subfolder ? ['Inbox/Sub'] : [] })),
    groups: p.groups.map((g, i) => ({ address: group(i), members: [...g.members.map((m) => addresses[m]!), ...(g.external ? [`ext${i}@partner.example`] : [])] })),
    contacts: [],
    messages: [{ messageId, from: 'bad@evil.example', to: p.to.map((i) => addresses[i]!), subject: 'Invoice', date: '2026-12-01T09:00:00Z' }],
  };
  // Moves and forwards need to know who holds the message: seed once to find out.
  const holders = [...new Set(Tenant.fromScenario(base).locate(messageId).map((place) => place.mailbox))];
  const moves = holders.length === 0 ? [] : p.moves.map((m) => ({ messageId, mailbox: holders[m.holder % holders.length]!, folder: m.folder, isRead: m.isRead }));
  const hasSub = (mailbox: string) => p.users[Number(/^u(\d+)\./.exec(mailbox)?.[1])]?.subfolder;
  const forwards =
    holders.length === 0
      ? []
      : p.forwards.map((f, n) => ({
          of: messageId,
          by: holders[f.holder % holders.length]!,
          messageId: `<fw-${n}-${tag}@${DOMAIN}>`,
          to: [f.external ? `fwd${n}@partner.example` : user(f.to)],
          date: `2026-12-01T10:0${n}:00Z`,
        }));
  return { scenario: { ...base, moves: moves.filter((m) => m.folder !== 'Inbox/Sub' || hasSub(m.mailbox)), forwards }, messageId, addresses };
}

test('I1–I4 hold over random tenants and alert orders', { timeout: 600_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(plan, async (p) => {
      const tag = randomUUID().slice(0, 8);
      const { scenario, messageId, addresses } = scenarioOf(p, tag);
      const stack = await startStack({ scenario: parseScenario(scenario) });
      stacks.push(stack);
      const ids = [messageId, ...(scenario.forwards ?? []).map((f) => f.messageId)];
      const snapshot = () =>
        new Map(ids.flatMap((id) => stack.tenant.locate(id)).map((place) => [place.immutableId, `${place.mailbox} ${place.folderPath} ${place.isRead}`]));
      const before = snapshot();

      // I4: alerts posted at once, from two sources, one incident.
      const answers = await Promise.all(
        p.alerts.map((a, n) =>
          stack.request('POST', '/v1/alerts', {
            key: DEMO_SOURCE_KEY,
            body: { messageId, sender: 'bad@evil.example', recipients: a.recipients.map((i) => addresses[i]!), threat: { classification: 'phish' }, alertId: `${a.source}-${n}` },
          }),
        ),
      );
      assert.ok(answers.every((a) => a.status === 202));
      assert.equal(new Set(answers.map((a) => a.body.incidentId)).size, 1);
      assert.equal(answers.filter((a) => a.body.status === 'started').length, 1);
      const incidentId = answers[0]!.body.incidentId;
      // Every alert's recipients are merged before the incident is judged.
      const recipients = new Set(p.alerts.flatMap((a) => a.recipients.map((i) => addresses[i]!)));
      const state = await stack.waitFor(incidentId, (s) => settled(s) && s.recipients.length === recipients.size);

      // I1: every copy still exists, once, where it was or in quarantine.
      const after = snapshot();
      assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
      for (const [id, place] of after) {
        const [mailbox, ...rest] = place.split(' ');
        const wasAt = before.get(id)!;
        assert.ok(place === wasAt || rest.slice(0, -1).join(' ') === QUARANTINE, `${id}: ${wasAt} → ${place}`);
        assert.ok(mailbox);
      }

      // I2: contained means no copy left outside quarantine in any mailbox the alerts reach.
      assert.equal(state.status, 'contained', JSON.stringify(state.residualExposure));
      const scope = new Set<string>();
      for (const address of recipients) {
        const entry = stack.tenant.resolveAddress(address);
        if (entry?.kind === 'mailbox') scope.add(entry.mailbox.address);
        if (entry?.kind === 'group') for (const m of stack.tenant.expandGroup(entry.group.id).mailboxes) scope.add(m.address);
      }
      for (const place of stack.tenant.locate(messageId)) {
        if (scope.has(place.mailbox)) assert.equal(place.folderPath, QUARANTINE, `${place.mailbox} still holds the message in ${place.folderPath}`);
      }

      // I4: one pull per copy.
      const pulls = state.audit.filter((e: any) => e.action === 'quarantine' && e.result === 'pulled').map((e: any) => `${e.mailbox} ${e.itemId}`);
      assert.equal(new Set(pulls).size, pulls.length);
      assert.equal(pulls.length, [...after.values()].filter((place) => place.includes(` ${QUARANTINE} `)).length);

      // I3: undo puts every copy back exactly, read state included.
      if (pulls.length > 0) {
        const undone = await stack.request('POST', `/v1/incidents/${incidentId}/undo`, { key: DEMO_ADMIN_KEY, body: {} });
        assert.equal(undone.status, 200);
        assert.deepEqual(snapshot().size, before.size);
        for (const [id, place] of snapshot()) assert.equal(place, before.get(id), `${id} after undo`);
      }
      await stack.stop();
      stacks.splice(stacks.indexOf(stack), 1);
    }),
    { numRuns: 10, endOnFailure: true },
  );
});
