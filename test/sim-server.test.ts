import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { Hono } from 'hono';
import { startSimServer, type SimServer } from '../src/sim/server.js';
import { Faults } from '../src/sim/faults.js';
import { Tenant } from '../src/sim/model.js';
import { demoScenario, DEMO_MESSAGE_ID } from '../src/sim/demo.js';
import type { Face, SimEnv } from '../src/sim/face.js';
import { transportFault } from '../src/sim/face.js';

/** A minimal face: enough to see TLS, counters and transport faults work for every real face. */
const echoFace: Face = (ctx) =>
  new Hono<SimEnv>().get('/echo', async (c) => {
    ctx.counters.request('echo.get');
    if (await transportFault(c, await ctx.faults.enter('echo.get'))) return c.body(null);
    return c.json({ tenantId: ctx.tenant.current.tenantId });
  });

let sim: SimServer;
before(async () => {
  sim = await startSimServer({ tenant: Tenant.fromScenario(demoScenario), faces: [echoFace] });
});
after(() => sim.close());

function httpsGet(url: string, ca?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

test('the faces speak HTTPS with a certificate that verifies against the exposed CA, and only with it', async () => {
  assert.match(sim.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const ok = await httpsGet(`${sim.url}/echo`, sim.caCert);
  assert.deepEqual([ok.status, JSON.parse(ok.body)], [200, { tenantId: 'demo' }]);
  await assert.rejects(httpsGet(`${sim.url}/echo`), /self-signed|unable to verify|certificate/i);
});

test('the control API snapshots placements, delivers late mail and counts requests', async () => {
  const snapshot = (await (await fetch(`${sim.controlUrl}/snapshot?messageId=${encodeURIComponent(DEMO_MESSAGE_ID)}`)).json()) as { placements: unknown[] };
  assert.equal(snapshot.placements.length, sim.context.tenant.current.locate(DEMO_MESSAGE_ID).length);

  const late = await fetch(`${sim.controlUrl}/deliveries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      message: { messageId: '<late-1@evil.example>', from: 'x@evil.example', to: ['bob@demo.clawback.test'], subject: 'late', date: '2026-12-01T10:00:00Z' },
    }),
  });
  assert.equal(late.status, 201);
  assert.deepEqual(sim.context.tenant.current.locate('<late-1@evil.example>').map((p) => p.mailbox), ['bob@demo.clawback.test']);

  await fetch(`${sim.controlUrl}/counters`, { method: 'DELETE' });
  await httpsGet(`${sim.url}/echo`, sim.caCert);
  const counters = (await (await fetch(`${sim.controlUrl}/counters`)).json()) as { requests: Record<string, number> };
  assert.deepEqual(counters.requests, { 'echo.get': 1 });
});

test('a bad fault plan or scenario is refused with the paths, and changes nothing', async () => {
  const before = await (await fetch(`${sim.controlUrl}/faults`)).json();
  const bad = await fetch(`${sim.controlUrl}/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ faults: [{ operation: 'x', kind: 'explode' }] }) });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { error: { issues: { path: string }[] } }).error.issues[0]?.path, 'faults.0.kind');
  assert.deepEqual(await (await fetch(`${sim.controlUrl}/faults`)).json(), before);
  const badScenario = await fetch(`${sim.controlUrl}/scenario`, { method: 'PUT', body: '{"tenantId": 3}' });
  assert.equal(badScenario.status, 400);
  assert.equal(sim.context.tenant.current.tenantId, 'demo');
});

test('an injected one-shot reset drops exactly one connection', async () => {
  await fetch(`${sim.controlUrl}/faults`, { method: 'PUT', body: JSON.stringify({ faults: [{ operation: 'echo.*', kind: 'reset', times: 1 }] }) });
  await assert.rejects(httpsGet(`${sim.url}/echo`, sim.caCert), /socket hang up|ECONNRESET/);
  assert.equal((await httpsGet(`${sim.url}/echo`, sim.caCert)).status, 200);
});

test('fault rates and latency are drawn from the seed, so a run repeats', async () => {
  const draw = async () => {
    const faults = new Faults({ seed: 7, faults: [{ operation: 'graph.*', kind: 'throttle', rate: 0.5, retryAfterMs: 2000 }] });
    const outcomes = [];
    for (let i = 0; i < 20; i++) outcomes.push((await faults.enter('graph.messages.list'))?.kind ?? 'none');
    return outcomes;
  };
  const first = await draw();
  assert.deepEqual(await draw(), first);
  assert.ok(first.includes('throttle') && first.includes('none'));
  assert.equal(await new Faults({ faults: [{ operation: 'ews.FindItem', kind: 'status', status: 500 }] }).enter('graph.x'), undefined);
});
