import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { WorkflowBundle } from '@temporalio/worker';
import { logNotifier } from '../activities/notify.js';
import { Alert } from '../src/domain/alert.js';
import { IncidentOptions } from '../src/domain/incident.js';
import { DEFAULT_QUARANTINE_FOLDER } from '../src/domain/quarantine.js';
import { IncidentClient } from '../src/incidents/client.js';
import { log } from '../src/log.js';
import { ProviderRegistry } from '../src/providers/registry.js';
import { SimulatedProvider } from '../src/providers/simulated/provider.js';
import { syntheticScenario, SYNTHETIC_CAMPAIGN_ID } from '../src/sim/generate.js';
import { Tenant } from '../src/sim/model.js';
import { ensureSearchAttributes, startDevServer } from '../src/temporal/dev-server.js';
import { freePort } from '../src/temporal/free-port.js';
import { bundleWorkflows, createWorker } from '../src/worker.js';
import type { BenchCase } from './cases.js';

/** Simulated service time of every provider call, and how many calls the tenant serves at once. */
export const CAMPAIGN_LATENCY_MS = 100;
export const CAMPAIGN_SERVICE_SLOTS = 27;

const FORWARD_CHAIN_LENGTH = 3;

/**
 * The least time a campaign can take: every call needs a service slot for the latency, and a
 * mailbox's calls depend on each other (resolve → expand → search → forwards → move, and four
 * more per forward hop), so the floor is the larger of the slot-bound and the critical path.
 */
function floorMs(calls: number, forwardHops: number): number {
  const criticalPath = 5 + 4 * forwardHops;
  return Math.max(criticalPath, Math.ceil(calls / CAMPAIGN_SERVICE_SLOTS)) * CAMPAIGN_LATENCY_MS;
}

/**
 * Campaigns of each size, alert to containment through the real workflow on a Temporal dev
 * server, against the in-process simulated tenant with a fixed latency and a tenant-wide slot
 * limit. Reports time to the first copy quarantined and to containment, calls, and history size.
 */
export async function campaignCases(sizes: number[]): Promise<BenchCase[]> {
  const server = await startDevServer({ port: await freePort(), namespace: 'default', logger: log, headless: true });
  const connection = await Connection.connect({ address: server.address });
  await ensureSearchAttributes(connection, 'default', log);
  const client = new Client({ connection });
  const workflowBundle = await bundleWorkflows();
  const cases: BenchCase[] = [];
  try {
    for (const mailboxes of sizes) cases.push(await campaign(mailboxes, server.address, client, workflowBundle));
  } finally {
    await connection.close();
    await server.stop();
  }
  return cases;
}

async function campaign(mailboxes: number, address: string, client: Client, workflowBundle: WorkflowBundle): Promise<BenchCase> {
  const tag = randomUUID().slice(0, 8);
  const forwardChains = mailboxes >= FORWARD_CHAIN_LENGTH + 1 ? Math.max(1, Math.floor(mailboxes / 1000)) : 0;
  const tenant = Tenant.fromScenario(
    syntheticScenario({
      mailboxes,
      listFanout: 100,
      forwardChains,
      forwardChainLength: FORWARD_CHAIN_LENGTH,
      noisePerMailbox: 0,
      domain: `c${tag}.bench.clawback.test`,
    }),
  );
  const delay = CAMPAIGN_LATENCY_MS;
  const provider = new SimulatedProvider({
    tenant,
    delaysMs: { resolve: delay, expandGroup: delay, findCopies: delay, findForwards: delay, move: delay },
    maxConcurrentCalls: CAMPAIGN_SERVICE_SLOTS,
  });
  const taskQueue = `bench-${tag}`;
  const { worker, connection } = await createWorker({
    address,
    namespace: 'default',
    taskQueue,
    deps: { providers: new ProviderRegistry([{ provider, domains: tenant.toJSON().domains }]), notifiers: [logNotifier] },
    workflowBundle,
  });
  const running = worker.run();
  try {
    const incidents = new IncidentClient({ client, taskQueue, defaults: IncidentOptions.parse({ holdOpenMs: 0, lateCopies: { watchMs: 0 } }) });
    const alert = Alert.parse({
      messageId: SYNTHETIC_CAMPAIGN_ID,
      sender: 'billing@bulk-sender.example',
      recipients: [`all-hands@c${tag}.bench.clawback.test`],
      threat: { classification: 'phish' },
      alertId: tag,
    });
    const started = performance.now();
    const { workflowId } = await incidents.submitAlert(alert, 'bench', 'auto');
    let firstPulledMs: number | undefined;
    const watch = setInterval(() => {
      if (firstPulledMs === undefined && tenant.locate(SYNTHETIC_CAMPAIGN_ID).some((p) => p.folderPath === DEFAULT_QUARANTINE_FOLDER)) {
        firstPulledMs = performance.now() - started;
      }
    }, 10);
    const handle = client.workflow.getHandle(workflowId);
    const state = (await handle.result()) as { status: string; counts: { copiesPulled: number } };
    const wallMs = Math.round(performance.now() - started);
    clearInterval(watch);
    if (state.status !== 'contained') throw new Error(`campaign of ${mailboxes} ended ${state.status}`);
    const calls = Object.values(provider.calls).reduce((sum, n) => sum + n, 0);
    const floor = floorMs(calls, forwardChains > 0 ? FORWARD_CHAIN_LENGTH : 0);
    const { historyLength } = await handle.describe();
    return {
      name: `campaign-${mailboxes}`,
      provider: 'simulated',
      mailboxes,
      wallMs,
      floorMs: floor,
      ratio: Math.round((wallMs / floor) * 100) / 100,
      requests: calls,
      throttles: 0,
      historyEvents: historyLength,
      firstPulledMs: Math.round(firstPulledMs ?? wallMs),
      copiesPulled: state.counts.copiesPulled,
    };
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
  }
}
