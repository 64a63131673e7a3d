import { randomUUID } from 'node:crypto';
import { Connection } from '@temporalio/client';
import { logNotifier } from '../activities/notify.js';
import { startApiServer } from '../src/api/server.js';
import { demoConfig, parseConfig } from '../src/config/load.js';
import { log } from '../src/log.js';
import { ProviderRegistry } from '../src/providers/registry.js';
import { SimulatedProvider } from '../src/providers/simulated/provider.js';
import { demoScenario, DEMO_DOMAIN } from '../src/sim/demo.js';
import { Tenant } from '../src/sim/model.js';
import { ensureSearchAttributes, startDevServer } from '../src/temporal/dev-server.js';
import { freePort } from '../src/temporal/free-port.js';
import { bundleWorkflows, createWorker } from '../src/worker.js';
import type { BenchCase } from './cases.js';

const BENCH_KEY = 'bench-ingest-key';

export interface IngestOptions {
  /** How long alerts are sent for. */
  durationMs: number;
  /** Requests in flight at once, as several sources or one source with a pool would send. */
  concurrency: number;
  /** Distinct messages: every further alert about one merges into its running incident. */
  messages: number;
}

/**
 * Alerts accepted per second by `POST /v1/alerts` over HTTP: authentication, validation, rule
 * matching and update-with-start into incidents that a worker runs on a Temporal dev server. Most
 * alerts merge into running incidents (a campaign reported by several sources), the rest start them.
 */
export async function ingestCase({ durationMs, concurrency, messages }: IngestOptions): Promise<BenchCase> {
  const server = await startDevServer({ port: await freePort(), namespace: 'default', logger: log, headless: true });
  const connection = await Connection.connect({ address: server.address });
  await ensureSearchAttributes(connection, 'default', log);
  const tag = randomUUID().slice(0, 8);
  const base = demoConfig('/nonexistent');
  const config = parseConfig({
    ...base,
    tenants: base.tenants.map((tenant) => ({ ...tenant, provider: { type: 'simulated' } })),
    sources: [{ id: 'bench', key: BENCH_KEY, rateLimit: { perSecond: 100_000, burst: 100_000 } }],
    incident: { lateCopies: { watchMs: 0 } },
    temporal: { taskQueue: `bench-ingest-${tag}` },
  });
  const provider = new SimulatedProvider({ tenant: Tenant.fromScenario(demoScenario) });
  const { worker, connection: workerConnection } = await createWorker({
    address: server.address,
    namespace: 'default',
    taskQueue: config.temporal.taskQueue,
    deps: { providers: new ProviderRegistry([{ provider, domains: [DEMO_DOMAIN] }]), notifiers: [logNotifier] },
    workflowBundle: await bundleWorkflows(),
  });
  const running = worker.run();
  const api = await startApiServer({ config, address: server.address, namespace: 'default', port: await freePort(), host: '127.0.0.1' });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const statuses = new Map<number, number>();
  const send = async (n: number) => {
    const response = await fetch(`${api.url}/v1/alerts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BENCH_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        alertId: `${tag}-${n}`,
        messageId: `<bench-${n % messages}.${tag}@ingest.example>`,
        sender: 'billing@billing-portal.example',
        recipients: [`user${n % 50}@${DEMO_DOMAIN}`],
        subject: 'Overdue invoice',
        threat: { classification: 'phish', score: 90 },
      }),
    });
    await response.arrayBuffer();
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  };
  try {
    // The incidents start first (the workflow's first task is the costly one), then the measured
    // window sends alerts that merge into them, as the reports of one campaign do.
    for (let first = 0; first < messages; first += concurrency) {
      await Promise.all(Array.from({ length: Math.min(concurrency, messages - first) }, (_, i) => send(first + i)));
    }
    let sent = messages;
    const started = performance.now();
    const deadline = started + durationMs;
    const sender = async () => {
      while (performance.now() < deadline) await send(sent++);
    };
    await Promise.all(Array.from({ length: concurrency }, sender));
    const wallMs = Math.round(performance.now() - started);
    const acceptedCount = statuses.get(202) ?? 0;
    if (acceptedCount !== sent) throw new Error(`ingest: ${sent - acceptedCount} of ${sent} alerts not accepted: ${JSON.stringify([...statuses])}`);
    const measured = sent - messages;
    return {
      name: `ingest-${concurrency}x`,
      provider: 'simulated',
      mailboxes: 0,
      wallMs,
      floorMs: null,
      ratio: null,
      requests: measured,
      throttles: statuses.get(429) ?? 0,
      historyEvents: null,
      alertsPerSec: Math.round((measured / wallMs) * 1000),
      peakRssMb: Math.round(peakRss / 1024 / 1024),
    };
  } finally {
    clearInterval(sampler);
    await api.close();
    worker.shutdown();
    await running;
    await workerConnection.close();
    await connection.close();
    await server.stop();
  }
}
