import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { intakeDepsFor } from '../activities/intake.js';
import { logNotifier } from '../activities/notify.js';
import { demoConfig, parseConfig } from '../src/config/load.js';
import { log } from '../src/log.js';
import { ProviderRegistry } from '../src/providers/registry.js';
import { SimulatedProvider } from '../src/providers/simulated/provider.js';
import { demoScenario, DEMO_DOMAIN } from '../src/sim/demo.js';
import { Tenant } from '../src/sim/model.js';
import { ensureSearchAttributes, startDevServer } from '../src/temporal/dev-server.js';
import { freePort } from '../src/temporal/free-port.js';
import { bundleWorkflows, createWorker } from '../src/worker.js';
import { importProgressQuery } from '../workflows/cleanup-messages.js';
import type { BenchCase } from './cases.js';

const run = promisify(execFile);
const INGEST = fileURLToPath(new URL('./import-ingest.ts', import.meta.url));

/**
 * Bulk cleanup from a generated CSV of `rows` rows (never held whole) on a Temporal dev server.
 * Two cases: `ingest` is what the API does before it answers — parse, spool, start the cleanup
 * workflow — timed in a process of its own with that process's peak RSS; `submitted` goes on until
 * the workflow has grouped every chunk by Message-ID and started or merged its incidents (its peak
 * RSS is the worker's, which runs those incidents' workflows too).
 */
export async function importCases(rows: number, messages = 50, recipients = 2000): Promise<BenchCase[]> {
  const server = await startDevServer({ port: await freePort(), namespace: 'default', logger: log, headless: true });
  const connection = await Connection.connect({ address: server.address });
  await ensureSearchAttributes(connection, 'default', log);
  const client = new Client({ connection });
  const dir = mkdtempSync(join(tmpdir(), 'clawback-bench-import-'));
  const tag = randomUUID().slice(0, 8);
  const config = parseConfig({ ...demoConfig(dir), temporal: { taskQueue: `bench-import-${tag}` }, incident: { holdOpenMs: 0, lateCopies: { watchMs: 0 } } });
  const { worker, connection: workerConnection } = await createWorker({
    address: server.address,
    namespace: 'default',
    taskQueue: config.temporal.taskQueue,
    deps: {
      providers: new ProviderRegistry([{ provider: new SimulatedProvider({ tenant: Tenant.fromScenario(demoScenario) }), domains: [DEMO_DOMAIN] }]),
      notifiers: [logNotifier],
      intake: intakeDepsFor(config, dir),
    },
    workflowBundle: await bundleWorkflows(),
  });
  const running = worker.run();
  let peakRss = process.memoryUsage().rss;
  const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', INGEST, server.address, config.temporal.taskQueue, dir, String(rows), String(messages), String(recipients), tag], { env: { ...process.env, LOG_LEVEL: 'warn' } });
    const child = JSON.parse(stdout.trim().split('\n').at(-1)!) as { ms: number; peakRss: number; workflowId: string };
    const ingest = measured(`import-${rows}-ingest`, rows, recipients, child.ms, child.peakRss, null);
    // From the child's first byte: its own start-up is not part of the import.
    const ingested = performance.now();
    const handle = client.workflow.getHandle(child.workflowId);
    for (;;) {
      const progress = await handle.query(importProgressQuery);
      if (progress.chunksSubmitted === progress.chunks) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const { historyLength } = await handle.describe();
    return [ingest, measured(`import-${rows}-submitted`, rows, recipients, child.ms + performance.now() - ingested, peakRss, historyLength)];
  } finally {
    clearInterval(sample);
    worker.shutdown();
    await running;
    await workerConnection.close();
    await connection.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function measured(name: string, rows: number, mailboxes: number, ms: number, peakRss: number, historyEvents: number | null): BenchCase {
  const wallMs = Math.round(ms);
  return {
    name,
    provider: 'simulated',
    mailboxes,
    wallMs,
    floorMs: null,
    ratio: null,
    requests: null,
    throttles: null,
    historyEvents,
    rowsPerSec: Math.round((rows / wallMs) * 1000),
    peakRssMb: Math.round(peakRss / 1e6),
  };
}
