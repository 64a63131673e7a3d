import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent, fetch } from 'undici';
import { demoScenario } from '../src/sim/demo.js';
import { Tenant } from '../src/sim/model.js';
import { startSimServer, type SimServer } from '../src/sim/server.js';
import { SIM_TAP_PRINCIPAL, SIM_TAP_SECRET } from '../src/sim/tap/events.js';
import { TAP_SIEM_OPERATION, tapFace } from '../src/sim/tap/index.js';
import { requestedWindow } from '../src/sim/tap/window.js';

const HOUR = 3600_000;
const now = Date.parse('2026-12-04T12:00:30Z');

describe('simulated TAP SIEM API', () => {
  it('applies TAP\'s window rules: one of interval, sinceSeconds, sinceTime; at most an hour; at most 7 days back', () => {
    const at = (ms: number) => new Date(ms).toISOString();
    assert.deepEqual(requestedWindow({ sinceTime: at(now - 30 * 60_000) }, now), { ok: true, start: now - 30 * 60_000, end: Date.parse('2026-12-04T12:00:00Z') });
    assert.deepEqual(requestedWindow({ interval: `${at(now - 5 * HOUR)}/${at(now - 4 * HOUR)}` }, now), { ok: true, start: now - 5 * HOUR, end: now - 4 * HOUR });
    const refused = (query: Parameters<typeof requestedWindow>[0]) => {
      const window = requestedWindow(query, now);
      return window.ok ? 'accepted' : window.message;
    };
    assert.match(refused({ sinceTime: at(now - 2 * HOUR) }), /too long/);
    assert.match(refused({ interval: `${at(now - 3 * HOUR)}/${at(now - HOUR)}` }), /too long/);
    assert.match(refused({ interval: `${at(now - 10_000)}/${at(now)}` }), /too short/);
    assert.match(refused({ sinceSeconds: '3601' }), /1 to 3600/);
    assert.match(refused({ interval: `${at(now - 8 * 24 * HOUR)}/${at(now - 8 * 24 * HOUR + HOUR)}` }), /7 days/);
    assert.match(refused({}), /Exactly one/);
    assert.match(refused({ sinceSeconds: '60', sinceTime: at(now) }), /Exactly one/);
  });

  describe('over HTTPS', () => {
    let sim: SimServer;
    let dispatcher: Agent;
    before(async () => {
      sim = await startSimServer({ tenant: Tenant.fromScenario(demoScenario), faces: [tapFace] });
      dispatcher = new Agent({ connect: { ca: sim.caCert } });
    });
    after(async () => {
      await dispatcher.close();
      await sim.close();
    });
    const basic = (principal: string, secret: string) => `Basic ${Buffer.from(`${principal}:${secret}`).toString('base64')}`;
    const siem = (query: string, authorization = basic(SIM_TAP_PRINCIPAL, SIM_TAP_SECRET)) =>
      fetch(`${sim.url}/v2/siem/all?${query}`, { headers: { authorization }, dispatcher });

    it('answers queued events of the requested window, by kind, with queryEndTime', async () => {
      const at = new Date(Date.now() - 10 * 60_000).toISOString();
      const queued = await fetch(`${sim.controlUrl}/tap/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ at, messagesDelivered: [{ GUID: 'g1' }], clicksPermitted: [{ id: 'c1' }] }),
      });
      assert.equal(queued.status, 201);
      const response = await siem(`format=json&sinceSeconds=1800`);
      assert.equal(response.status, 200);
      const body = (await response.json()) as Record<string, unknown[]> & { queryEndTime: string };
      assert.deepEqual(body.messagesDelivered, [{ GUID: 'g1' }]);
      assert.deepEqual(body.clicksPermitted, [{ id: 'c1' }]);
      assert.deepEqual(body.messagesBlocked, []);
      assert.equal(new Date(body.queryEndTime).getUTCSeconds(), 0);
    });

    it('refuses bad credentials with 401 and a window over an hour with 400', async () => {
      assert.equal((await siem('format=json&sinceSeconds=60', basic(SIM_TAP_PRINCIPAL, 'wrong'))).status, 401);
      assert.equal((await siem('format=json&sinceSeconds=60', '')).status, 401);
      const tooLong = await siem(`format=json&sinceTime=${new Date(Date.now() - 2 * HOUR).toISOString()}`);
      assert.equal(tooLong.status, 400);
      assert.match(await tooLong.text(), /at most one hour/);
    });
    it('answers 429 without Retry-After while a fault plan throttles tap.siem.all, then serves again', async () => {
      const plan = await fetch(`${sim.controlUrl}/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ faults: [{ operation: TAP_SIEM_OPERATION, kind: 'throttle', times: 1 }] }),
      });
      assert.equal(plan.status, 200);
      const throttled = await siem('format=json&sinceSeconds=60');
      assert.equal(throttled.status, 429);
      assert.equal(throttled.headers.get('retry-after'), null);
      await throttled.text();
      assert.equal((await siem('format=json&sinceSeconds=60')).status, 200, 'the one-shot fault is spent');
      const counters = (await (await fetch(`${sim.controlUrl}/counters`)).json()) as { throttles: Record<string, number> };
      assert.equal(counters.throttles[TAP_SIEM_OPERATION], 1);
    });
  });
});
