import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { demoScenario } from '../src/sim/demo.js';
import { graphFace } from '../src/sim/graph/index.js';
import { Tenant } from '../src/sim/model.js';
import { startSimServer, type SimServer } from '../src/sim/server.js';
import { fetchFromSimulator, fetchGraphToken } from './support/graph-client.js';

let sim: SimServer;
let token: string;
before(async () => {
  sim = await startSimServer({ tenant: Tenant.fromScenario(demoScenario), faces: [graphFace], limits: { graph: { requestsPerWindow: 2, windowMs: 60_000 } } });
  token = await fetchGraphToken(sim);
});
after(() => sim.close());

const inbox = (user: string) => fetchFromSimulator(sim, `/v1.0/users/${user}/mailFolders/inbox/messages`, { headers: { authorization: `Bearer ${token}` } });
const control = (path: string, init: RequestInit = {}) => fetch(`${sim.controlUrl}${path}`, init);
const putJson = (path: string, body: unknown) => control(path, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('limits given at start apply: a mailbox over its request budget gets 429 with Retry-After', async () => {
  assert.deepEqual([(await inbox('alice@demo.clawback.test')).status, (await inbox('alice@demo.clawback.test')).status], [200, 200]);
  const throttled = await inbox('alice@demo.clawback.test');
  assert.equal(throttled.status, 429);
  assert.ok(Number(throttled.headers.get('retry-after')) > 0);
  assert.equal(((await throttled.json()) as { error: { code: string } }).error.code, 'ApplicationThrottled');
  assert.equal((await inbox('bob@demo.clawback.test')).status, 200, 'the budget is per mailbox');
});

test('the control API changes limits at run time and refuses bad ones without changing anything', async () => {
  const bad = await putJson('/limits', { graph: { requestsPerWindow: 0 } });
  assert.equal(bad.status, 400);
  assert.deepEqual(await (await control('/limits')).json(), { graph: { requestsPerWindow: 2, windowMs: 60_000 }, gmail: {} });

  assert.equal((await putJson('/limits', { graph: { requestsPerWindow: 100 } })).status, 200);
  assert.equal((await inbox('alice@demo.clawback.test')).status, 200, 'a larger budget admits the mailbox again');
});

test('a scenario loaded through the control API brings its own limits and faults', async () => {
  const scenario = { ...demoScenario, simulation: { limits: { graph: { requestsPerWindow: 1 } }, faults: { faults: [{ operation: 'graph.mailFolders.messages', kind: 'status', status: 503, times: 1 }] } } };
  assert.equal((await putJson('/scenario', scenario)).status, 200);
  assert.equal((await inbox('carol@demo.clawback.test')).status, 503, 'the scenario fault fires once');
  assert.equal((await inbox('dave@demo.clawback.test')).status, 200);
  assert.equal((await inbox('dave@demo.clawback.test')).status, 429, "the scenario's budget of one request");
  assert.equal((await putJson('/scenario', demoScenario)).status, 200);
  assert.deepEqual(await (await control('/limits')).json(), { graph: {}, gmail: {} }, 'a scenario without limits runs at defaults');
});
