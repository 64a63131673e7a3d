import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { syntheticScenario, SYNTHETIC_CAMPAIGN_ID, type SyntheticTenantOptions } from '../src/sim/generate.js';
import { Tenant } from '../src/sim/model.js';
import type { BenchCase } from './cases.js';

const bin = new URL('../bin/clawback.js', import.meta.url).pathname;

/** Loading a 10,000-mailbox tenant: how long, and how much memory. */
export function loadCase(options: SyntheticTenantOptions): BenchCase {
  const before = process.memoryUsage().rss;
  const started = performance.now();
  const tenant = Tenant.fromScenario(syntheticScenario(options));
  const wallMs = performance.now() - started;
  if (tenant.locate(SYNTHETIC_CAMPAIGN_ID).length !== options.mailboxes) throw new Error('the synthetic campaign did not reach every mailbox');
  return {
    name: `sim-load-${options.mailboxes}`,
    provider: 'simulated',
    mailboxes: options.mailboxes,
    wallMs: Math.round(wallMs),
    floorMs: null,
    ratio: null,
    requests: null,
    throttles: null,
    historyEvents: null,
    peakRssMb: Math.round((process.memoryUsage().rss - before) / 1e6),
  };
}

/**
 * Graph message searches per second against `clawback sim` in its own process (one core),
 * with zero latency: the simulator must never be the bottleneck it models.
 */
export async function graphSearchCase(options: SyntheticTenantOptions, searches: number): Promise<BenchCase> {
  const dir = mkdtempSync(join(tmpdir(), 'clawback-bench-'));
  writeFileSync(join(dir, 'scenario.json'), JSON.stringify(syntheticScenario(options)));
  const caFile = join(dir, 'ca.pem');
  const sim = spawn(process.execPath, [bin, 'sim', '--scenario', join(dir, 'scenario.json'), '--port', '0', '--control-port', '0', '--ca-file', caFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    let output = '';
    sim.stdout.on('data', (d) => (output += d));
    while (!/control API\s+(\S+)/.test(output)) {
      if (sim.exitCode !== null) throw new Error(`clawback sim exited: ${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const base = /Microsoft Graph\s+(\S+)\/v1\.0/.exec(output)![1]!;
    const control = /control API\s+(\S+)/.exec(output)![1]!;
    const dispatcher = new Agent({ connect: { ca: readFileSync(caFile, 'utf8') }, connections: 16, pipelining: 1 });
    const token = await request(`${base}/bench/oauth2/v2.0/token`, {
      dispatcher,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=bench&client_secret=bench&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default',
    }).then((r) => r.body.json() as Promise<{ access_token: string }>);
    const filter = encodeURIComponent(`internetMessageId eq '${SYNTHETIC_CAMPAIGN_ID}'`);
    const search = async (i: number) => {
      const user = `user${i % options.mailboxes}@bench.clawback.test`;
      const response = await request(`${base}/v1.0/users/${user}/messages?$filter=${filter}&$select=id,parentFolderId`, {
        dispatcher,
        headers: { authorization: `Bearer ${token.access_token}` },
      });
      const body = (await response.body.json()) as { value?: unknown[] };
      if (response.statusCode !== 200 || body.value?.length !== 1) throw new Error(`search ${i}: ${response.statusCode}`);
    };
    await Promise.all(Array.from({ length: 200 }, (_, i) => search(i)));
    await request(`${control}/counters`, { method: 'DELETE' });
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < searches) await search(next++);
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const wallMs = performance.now() - started;
    const counters = (await (await request(`${control}/counters`)).body.json()) as { totalRequests: number; totalThrottles: number };
    await dispatcher.close();
    return {
      name: 'sim-graph-search',
      provider: 'graph',
      mailboxes: options.mailboxes,
      wallMs: Math.round(wallMs),
      floorMs: null,
      ratio: null,
      requests: counters.totalRequests,
      throttles: counters.totalThrottles,
      historyEvents: null,
      requestsPerSec: Math.round((searches / wallMs) * 1000),
    };
  } finally {
    sim.kill('SIGINT');
  }
}
