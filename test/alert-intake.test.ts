import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { logNotifier } from '../activities/notify.js';
import { Alert } from '../src/domain/alert.js';
import { IncidentOptions } from '../src/domain/incident.js';
import { IncidentClient } from '../src/incidents/client.js';
import { ProviderRegistry } from '../src/providers/registry.js';
import { SimulatedProvider } from '../src/providers/simulated/provider.js';
import { DEMO_DOMAIN } from '../src/sim/demo.js';
import { Tenant } from '../src/sim/model.js';
import { createWorker } from '../src/worker.js';
import { testTemporal, uniqueScenario, workflowBundle } from './support/stack.js';

const exampleAlert = JSON.parse(readFileSync(new URL('../examples/alert.json', import.meta.url), 'utf8'));

test('alerts are taken while no worker runs, a re-sent one is recognised, and the incident runs once a worker starts', async () => {
  const { address, namespace } = testTemporal();
  const { scenario, rename } = uniqueScenario();
  const taskQueue = `test-${randomUUID()}`;
  const connection = await Connection.connect({ address });
  const incidents = new IncidentClient({ client: new Client({ connection, namespace }), taskQueue, defaults: IncidentOptions.parse({ lateCopies: { watchMs: 0 } }) });
  const alert = Alert.parse({ ...exampleAlert, messageId: rename(exampleAlert.messageId) });
  try {
    const first = await incidents.submitAlert(alert, 'demo-source', 'auto');
    assert.equal(first.status, 'started');
    assert.equal((await incidents.submitAlert(alert, 'demo-source', 'auto')).status, 'merged');
    assert.equal((await incidents.submitAlert({ ...alert, alertId: 'another-source-0001' }, 'other-source', 'auto')).status, 'merged');

    const tenant = Tenant.fromScenario(scenario);
    const { worker, connection: workerConnection } = await createWorker({
      address,
      namespace,
      taskQueue,
      deps: { providers: new ProviderRegistry([{ provider: new SimulatedProvider({ tenant }), domains: [DEMO_DOMAIN] }]), notifiers: [logNotifier] },
      workflowBundle: await workflowBundle(),
    });
    const running = worker.run();
    try {
      const deadline = Date.now() + 30_000;
      let state = (await incidents.state(first.incidentId)).state;
      while (state.status === 'pulling') {
        if (Date.now() > deadline) throw new Error(`incident did not settle: ${state.status}`);
        await new Promise((r) => setTimeout(r, 150));
        state = (await incidents.state(first.incidentId)).state;
      }
      assert.equal(state.status, 'contained');
      assert.deepEqual(state.sources, ['demo-source', 'other-source']);
      assert.equal(state.alertKeys.length, 2, 'the re-sent alert counted once');
      assert.equal(state.counts.copiesPulled, state.counts.copiesFound);
    } finally {
      worker.shutdown();
      await running;
      await workerConnection.close();
    }
  } finally {
    await connection.close();
  }
});
