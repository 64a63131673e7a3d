import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { incidentIdFor } from '../src/domain/ids.js';
import { DEMO_ADDRESSES as a, DEMO_BENIGN_MESSAGE_ID, DEMO_MESSAGE_ID } from '../src/sim/demo.js';
import { Tenant } from '../src/sim/model.js';
import { startSimServer, type SimServer } from '../src/sim/server.js';
import { SIM_TAP_PRINCIPAL, SIM_TAP_SECRET } from '../src/sim/tap/events.js';
import { tapFace } from '../src/sim/tap/index.js';
import { ensureTapSchedules, tapCursor } from '../src/sources/tap-poller-schedule.js';
import type { TapPollOutcome } from '../workflows/tap-poller-messages.js';
import type { tapPollWorkflow } from '../workflows/tap-poller.js';
import { TAP_SIEM_OPERATION } from '../src/sim/tap/index.js';
import { tapScheduleId } from '../workflows/tap-poller-messages.js';
import { DEMO_ADMIN_KEY, DEMO_SOURCE_KEY, startStack, uniqueScenario } from './support/stack.js';

const HOUR = 3600_000;

describe('Proofpoint TAP SIEM poller', () => {
  const tag = randomUUID().slice(0, 8);
  const sources = { main: `tap-${tag}`, second: `tap-second-${tag}`, wrongSecret: `tap-bad-${tag}`, throttled: `tap-throttled-${tag}` };
  let sim: SimServer;
  let stack: Awaited<ReturnType<typeof startStack>>;
  let rename: (id: string) => string;

  before(async () => {
    const unique = uniqueScenario();
    rename = unique.rename;
    sim = await startSimServer({ tenant: Tenant.fromScenario(unique.scenario), faces: [tapFace] });
    const caFile = join(mkdtempSync(join(tmpdir(), 'clawback-tap-')), 'ca.pem');
    writeFileSync(caFile, sim.caCert);
    // The schedules' own interval is long: the tests trigger each poll themselves.
    const poll = (firstLookbackMs: number, secret = SIM_TAP_SECRET) => ({ url: sim.url, principal: SIM_TAP_PRINCIPAL, secret, caFile, intervalMs: HOUR, firstLookbackMs });
    stack = await startStack({
      scenario: unique.scenario,
      incident: { lateCopies: { watchMs: 0, sweepEveryMs: 1000 } },
      sources: [
        { id: sources.main, key: `key-${sources.main}`, type: 'tap', policy: 'auto', poll: poll(5 * HOUR) },
        { id: sources.second, key: `key-${sources.second}`, type: 'tap', policy: 'auto', poll: poll(HOUR) },
        { id: sources.wrongSecret, key: `key-${sources.wrongSecret}`, type: 'tap', policy: 'auto', poll: poll(HOUR, 'not-the-secret') },
        { id: sources.throttled, key: `key-${sources.throttled}`, type: 'tap', policy: 'record', poll: poll(HOUR) },
      ],
    });
    assert.deepEqual((await ensureTapSchedules(stack.client, stack.config)).sort(), Object.values(sources).map(tapScheduleId).sort());
  });
  after(async () => {
    for (const id of Object.values(sources)) await stack.client.schedule.getHandle(tapScheduleId(id)).delete();
    await stack.stop();
    await sim.close();
  });

  /** Triggers one run of the source's schedule: the run it started. */
  async function triggerPoll(sourceId: string): Promise<WorkflowHandle<typeof tapPollWorkflow>> {
    const handle = stack.client.schedule.getHandle(tapScheduleId(sourceId));
    const before = (await handle.describe()).info.recentActions.length;
    await handle.trigger();
    const deadline = Date.now() + 20_000;
    for (;;) {
      const actions = (await handle.describe()).info.recentActions;
      const started = actions.length > before ? actions.at(-1) : undefined;
      if (started) return stack.client.workflow.getHandle<typeof tapPollWorkflow>(started.action.workflow.workflowId, started.action.workflow.firstExecutionRunId);
      if (Date.now() > deadline) throw new Error(`schedule ${sourceId} did not start a run`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Triggers one run of the source's schedule and waits for its outcome. */
  async function pollOnce(sourceId: string): Promise<TapPollOutcome> {
    return (await triggerPoll(sourceId)).result();
  }

  function delivered(messageId: string, recipients: string[], threatStatus = 'active') {
    return {
      GUID: randomUUID(),
      messageID: messageId,
      sender: a.attacker,
      recipient: recipients,
      subject: 'Overdue invoice 4471',
      messageTime: new Date(Date.now() - 5 * HOUR).toISOString(),
      phishScore: 95,
      threatsInfoMap: [{ threatID: randomUUID(), threatStatus, classification: 'phish', threatType: 'url', threat: 'https://billing-portal.example/pay' }],
    };
  }

  async function queue(at: number, records: object[]) {
    const response = await fetch(`${sim.controlUrl}/tap/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ at: new Date(at).toISOString(), messagesDelivered: records }),
    });
    assert.equal(response.status, 201);
  }

  it('catches up after hours of downtime in hour-long requests and pulls each delivered threat', async () => {
    const now = Date.now();
    await queue(now - 4.5 * HOUR, [delivered(rename(DEMO_MESSAGE_ID), [a.allStaff, a.finance])]);
    await queue(now - 2.5 * HOUR, [delivered(rename(DEMO_BENIGN_MESSAGE_ID), [a.alice])]);
    await queue(now - 10 * 60_000, [delivered(rename(DEMO_MESSAGE_ID), [a.aliceAlias])]);
    // Blocked messages never reached a mailbox: nothing to pull.
    await fetch(`${sim.controlUrl}/tap/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ at: new Date(now - HOUR).toISOString(), messagesBlocked: [delivered('<blocked@evil.example>', [a.bob])] }) });

    const outcome = await pollOnce(sources.main);
    // Five hours back: four or five one-hour windows (the sim refuses anything longer), then the last partial hour.
    assert.ok(outcome.windows >= 5 && outcome.windows <= 6, `windows: ${outcome.windows}`);
    assert.equal(outcome.delivered, 3);
    assert.equal(outcome.started, 2);
    assert.equal(outcome.merged, 1);
    const incident = await stack.waitFor(incidentIdFor(rename(DEMO_MESSAGE_ID)), (state) => state.status === 'contained');
    assert.deepEqual(incident.sources, [sources.main]);
    assert.ok(incident.counts.copiesPulled >= 4);

    const cursor = await tapCursor(stack.client, sources.main);
    assert.equal(cursor, outcome.cursor);
    assert.ok(Date.now() - Date.parse(cursor!) < 2 * 60_000, `cursor ${cursor} is current`);
  });

  it('starts the next poll where the last one ended: nothing is fetched twice', async () => {
    const first = await tapCursor(stack.client, sources.main);
    const outcome = await pollOnce(sources.main);
    assert.equal(outcome.from, first);
    assert.equal(outcome.windows, 1);
    assert.equal(outcome.delivered, 0);
    assert.ok(Date.parse(outcome.cursor!) >= Date.parse(first!));
  });

  it('surfaces a falsePositive verdict on a pulled message for an admin, without undoing it', async () => {
    const messageId = rename(DEMO_MESSAGE_ID);
    const incidentId = incidentIdFor(messageId);
    await stack.waitFor(incidentId, (state) => state.status === 'contained');
    await queue(Date.now() - 20 * 60_000, [delivered(messageId, [a.allStaff], 'falsePositive')]);

    const outcome = await pollOnce(sources.second);
    assert.deepEqual(
      outcome.reversals.map((r) => [r.incidentId, r.threatStatus]),
      [[incidentId, 'falsePositive']],
    );
    const state = await stack.waitFor(incidentId, () => true);
    assert.equal(state.status, 'contained', 'nothing was undone');

    const deadline = Date.now() + 15_000;
    let listed: string[] = [];
    while (listed.length === 0 && Date.now() < deadline) {
      listed = [];
      for await (const run of stack.client.workflow.list({ query: `ClawbackVerdictReversals = "${incidentId}"` })) listed.push(run.workflowId);
      if (listed.length === 0) await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(listed.length, 1, 'the poll run is listed by the incident it flags');
    assert.ok(listed[0]!.startsWith(tapScheduleId(sources.second)));
  });

  it('lists withdrawn verdicts per source for admins, newest first, and says whether the copies are still held', async () => {
    const incidentId = incidentIdFor(rename(DEMO_MESSAGE_ID));
    const path = `/v1/sources/${sources.second}/reversals`;
    const deadline = Date.now() + 15_000;
    let listed = await stack.request('GET', path, { key: DEMO_ADMIN_KEY });
    while (listed.status === 200 && listed.body.reversals.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      listed = await stack.request('GET', path, { key: DEMO_ADMIN_KEY });
    }
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.equal(listed.body.source, sources.second);
    assert.equal(listed.body.reversals.length, 1);
    const [reversal] = listed.body.reversals;
    assert.equal(reversal.incidentId, incidentId);
    assert.equal(reversal.messageId, rename(DEMO_MESSAGE_ID));
    assert.equal(reversal.threatStatus, 'falsePositive');
    assert.match(reversal.alertId, /^[0-9a-f-]{36}$/);
    assert.ok(reversal.copiesPulled >= 4);
    assert.ok(reversal.workflowId.startsWith(tapScheduleId(sources.second)));
    assert.ok(!Number.isNaN(Date.parse(reversal.foundAt)));
    assert.equal(reversal.stillHeld, true);

    const undo = await stack.request('POST', `/v1/incidents/${incidentId}/undo`, { key: DEMO_ADMIN_KEY, body: { reason: 'TAP withdrew its verdict' } });
    assert.equal(undo.status, 200, JSON.stringify(undo.body));
    const after = await stack.request('GET', path, { key: DEMO_ADMIN_KEY });
    assert.deepEqual(after.body.reversals.map((r: any) => [r.incidentId, r.stillHeld]), [[incidentId, false]]);

    assert.equal((await stack.request('GET', path, { key: DEMO_SOURCE_KEY })).status, 403, 'admins only');
    assert.equal((await stack.request('GET', '/v1/sources/demo-source/reversals', { key: DEMO_ADMIN_KEY })).status, 404, 'not a polling TAP source');
    assert.ok('/v1/sources/{id}/reversals' in (await stack.request('GET', '/openapi.json')).body.paths);
  });

  it('fails the poll without moving the cursor when TAP refuses the credentials', async () => {
    await assert.rejects(pollOnce(sources.wrongSecret), (error: unknown) => {
      assert.ok(error instanceof WorkflowFailedError);
      const cause = (error.cause as { cause?: { type?: string; message?: string } })?.cause;
      assert.equal(cause?.type, 'TapAuthRejected');
      assert.doesNotMatch(cause?.message ?? '', /not-the-secret/);
      return true;
    });
    assert.equal(await tapCursor(stack.client, sources.wrongSecret), undefined);
  });
  it('keeps the cursor when TAP answers 429, retries the window a minute later, and moves on once TAP answers', async () => {
    const setFaults = (faults: object[]) =>
      fetch(`${sim.controlUrl}/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ faults }) });
    assert.equal((await setFaults([{ operation: TAP_SIEM_OPERATION, kind: 'throttle' }])).status, 200);
    const run = await triggerPoll(sources.throttled);
    const deadline = Date.now() + 20_000;
    let pending;
    while (!pending?.lastFailure && Date.now() < deadline) {
      pending = (await run.describe()).raw.pendingActivities?.[0];
      if (!pending?.lastFailure) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(pending?.activityType?.name, 'pollTapWindow');
    const failure = pending?.lastFailure;
    assert.equal(failure?.applicationFailureInfo?.type, 'TapUnavailable');
    assert.match(failure?.message ?? '', /HTTP 429/);
    assert.equal(failure?.applicationFailureInfo?.nonRetryable, false, 'a throttled poll is retried');
    assert.equal(Number(failure?.applicationFailureInfo?.nextRetryDelay?.seconds), 60, 'the next attempt is a minute away');
    assert.equal(await tapCursor(stack.client, sources.throttled), undefined, 'the cursor did not move');
    assert.equal((await run.describe()).status.name, 'RUNNING', 'the run waits for its retry rather than failing');

    // The retry is a minute off: the test ends that run and lets the next one poll TAP once it answers.
    await run.terminate('the throttled attempt was observed');
    assert.equal((await setFaults([])).status, 200);
    const outcome = await pollOnce(sources.throttled);
    assert.equal(outcome.windows, 1);
    assert.ok(outcome.cursor);
    assert.equal(await tapCursor(stack.client, sources.throttled), outcome.cursor, 'the cursor moved to where this poll ended');
  });

  it('a connection TAP drops is retried, not the end of the poll', async () => {
    const setFaults = (faults: object[]) =>
      fetch(`${sim.controlUrl}/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ faults }) });
    assert.equal((await setFaults([{ operation: TAP_SIEM_OPERATION, kind: 'reset', times: 1 }])).status, 200);
    try {
      const outcome = await pollOnce(sources.throttled);
      assert.equal(outcome.windows, 1);
      assert.equal(await tapCursor(stack.client, sources.throttled), outcome.cursor);
    } finally {
      await setFaults([]);
    }
  });
});
