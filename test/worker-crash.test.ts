import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { stringify } from 'yaml';
import { Alert } from '../src/domain/alert.js';
import { IncidentOptions } from '../src/domain/incident.js';
import { IncidentClient } from '../src/incidents/client.js';
import { Tenant } from '../src/sim/model.js';
import { DEMO_DOMAIN, DEMO_MESSAGE_ID } from '../src/sim/demo.js';
import { testTemporal, uniqueScenario } from './support/stack.js';

const QUARANTINE = 'Clawback Quarantine';
const bin = new URL('../bin/clawback.js', import.meta.url).pathname;
const children: ChildProcess[] = [];
after(() => children.forEach((c) => c.kill('SIGKILL')));

function startWorker(env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [bin, 'worker'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}

function tenantOnDisk(stateFile: string): Tenant | undefined {
  return existsSync(stateFile) ? Tenant.fromJSON(JSON.parse(readFileSync(stateFile, 'utf8'))) : undefined;
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A worker process's config over a scenario on disk, the state file it keeps, and a client for its task queue. */
async function crashRig() {
  const { address, namespace } = testTemporal();
  const dir = mkdtempSync(join(tmpdir(), 'clawback-crash-'));
  const { scenario, rename } = uniqueScenario();
  const messageId = rename(DEMO_MESSAGE_ID);
  const stateFile = join(dir, 'tenant.json');
  const taskQueue = `crash-${randomUUID()}`;
  writeFileSync(join(dir, 'scenario.json'), JSON.stringify(scenario));
  writeFileSync(
    join(dir, 'clawback.yaml'),
    stringify({
      tenants: [{ id: 'demo', domains: [DEMO_DOMAIN], provider: { type: 'simulated', scenario: 'scenario.json', stateFile: 'tenant.json', delaysMs: { move: 400 } } }],
      sources: [{ id: 'crash-source', key: 'crash-source-key' }],
      temporal: { taskQueue },
      // One mailbox at a time, so the kill lands between moves.
      worker: { mailboxConcurrency: 1 },
    }),
  );
  const env = { CLAWBACK_CONFIG: join(dir, 'clawback.yaml'), TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace };
  const connection = await Connection.connect({ address });
  const incidents = new IncidentClient({ client: new Client({ connection, namespace }), taskQueue, defaults: IncidentOptions.parse({}) });
  const alert = Alert.parse({ ...JSON.parse(readFileSync(new URL('../examples/alert.json', import.meta.url), 'utf8')), messageId });
  const inQuarantine = () => tenantOnDisk(stateFile)?.locate(messageId).filter((p) => p.folderPath === QUARANTINE).length ?? 0;
  return { env, stateFile, messageId, connection, incidents, alert, inQuarantine };
}

test('killing the worker mid-quarantine and starting it again completes the incident, each copy pulled once', async () => {
  const { env, stateFile, messageId, connection, incidents, alert } = await crashRig();
  try {
    const first = startWorker(env);
    const { incidentId } = await incidents.submitAlert(alert, 'crash-source', 'auto');

    const copies = await until('the worker to seed its tenant', () => tenantOnDisk(stateFile)?.locate(messageId).length, 60_000);
    await until('the first copy to reach quarantine', () => {
      const inQuarantine = tenantOnDisk(stateFile)?.locate(messageId).filter((p) => p.folderPath === QUARANTINE).length ?? 0;
      return inQuarantine > 0 ? inQuarantine : undefined;
    }, 60_000);
    first.kill('SIGKILL');
    const atKill = tenantOnDisk(stateFile)!.locate(messageId).filter((p) => p.folderPath === QUARANTINE).length;
    assert.ok(atKill < copies, `the kill came too late to test anything (${atKill} of ${copies} pulled)`);

    startWorker(env);
    const state = await until('the incident to settle', async () => {
      const { state: s } = await incidents.state(incidentId);
      return ['contained', 'partially-contained', 'failed'].includes(s.status) ? s : undefined;
    }, 120_000);

    assert.equal(state.status, 'contained');
    const placements = tenantOnDisk(stateFile)!.locate(messageId);
    assert.equal(placements.length, copies, 'no copy lost or duplicated');
    assert.ok(placements.every((p) => p.folderPath === QUARANTINE));
    const pulls = state.audit.filter((a) => a.action === 'quarantine' && a.detail.includes(messageId));
    assert.equal(pulls.length, copies, 'one pull record per copy');
  } finally {
    await connection.close();
  }
});

test('killing the worker mid-undo and starting it again puts every copy back once, read state included', async () => {
  const { env, stateFile, messageId, connection, incidents, alert, inQuarantine } = await crashRig();
  try {
    const first = startWorker(env);
    const before = await until('the worker to seed its tenant', () => tenantOnDisk(stateFile)?.locate(messageId), 60_000);
    const { incidentId } = await incidents.submitAlert(alert, 'crash-source', 'auto');
    await until('the incident to be contained', async () => ((await incidents.state(incidentId)).state.status === 'contained' ? true : undefined), 120_000);
    assert.equal(inQuarantine(), before.length);

    const undone = incidents.undo(incidentId, { actor: 'crash-admin', reason: 'false positive' });
    await until('the first copy to be back', () => (inQuarantine() < before.length ? true : undefined), 60_000);
    first.kill('SIGKILL');
    assert.ok(inQuarantine() > 0, 'the kill came too late to test anything');

    startWorker(env);
    const { state } = await undone;
    assert.equal(state.status, 'undone');
    const where = (placements: { immutableId: string; folderPath: string; isRead: boolean }[]) =>
      placements.map((p) => `${p.immutableId} ${p.folderPath} ${p.isRead}`).sort();
    assert.deepEqual(where(tenantOnDisk(stateFile)!.locate(messageId)), where(before), 'every copy back where it was, none lost or doubled');
    const restores = state.audit.filter((a) => a.action === 'restore' && a.result === 'restored' && a.detail.includes(messageId));
    assert.equal(restores.length, before.length, 'one restore per copy');
  } finally {
    await connection.close();
  }
});
