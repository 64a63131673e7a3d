import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MailboxRef } from '../src/domain/mail.js';
import { GraphProviderConfig } from '../src/providers/graph/config.js';
import { openGraphProvider } from '../src/providers/graph/open.js';
import { graphFace } from '../src/sim/graph/index.js';
import { syntheticScenario, SYNTHETIC_CAMPAIGN_ID } from '../src/sim/generate.js';
import { Tenant } from '../src/sim/model.js';
import { startSimServer } from '../src/sim/server.js';
import { pullCase, type BenchCase } from './cases.js';

export interface GraphPullOptions {
  mailboxes: number;
  /** Every Graph request takes this long on the simulator. */
  latencyMs: number;
}

/**
 * One campaign message pulled from every mailbox of a synthetic tenant through the Graph
 * adapter: the all-hands list expanded, each mailbox searched, each copy moved into the hidden
 * quarantine folder through `$batch`, all mailboxes at once. The floor is what Graph's limits
 * allow: three dependent round trips (expand, search, move), mailboxes in parallel since the
 * 4-request limit is per mailbox, unless the app-wide 130,000 requests per 10 s binds first.
 */
export async function graphPullCase({ mailboxes, latencyMs }: GraphPullOptions): Promise<BenchCase> {
  const tenant = Tenant.fromScenario(syntheticScenario({ mailboxes, listFanout: 50, forwardChains: 0, forwardChainLength: 0, noisePerMailbox: 2 }));
  const sim = await startSimServer({ tenant, faces: [graphFace], faults: { latency: [{ operation: 'graph.*', minMs: latencyMs, maxMs: latencyMs }] } });
  try {
    const caFile = join(mkdtempSync(join(tmpdir(), 'clawback-bench-graph-')), 'ca.pem');
    writeFileSync(caFile, sim.caCert);
    const config = GraphProviderConfig.parse({ type: 'graph', tenant: tenant.tenantId, clientId: 'clawback-bench', clientSecret: 'bench', authority: sim.url, graphBaseUrl: sim.url, caFile });
    const provider = await openGraphProvider(config, { tenantId: tenant.tenantId, domains: tenant.domains });

    const started = performance.now();
    const [list] = await provider.resolve([`all-hands@${tenant.domains[0]}`]);
    if (list?.kind !== 'group') throw new Error('the all-hands list did not resolve');
    const { mailboxes: members } = await provider.expandGroup(list.group);
    const pullOne = async (mailbox: MailboxRef) => provider.quarantine(await provider.findCopies(mailbox, { messageId: SYNTHETIC_CAMPAIGN_ID }), 'quarantine-folder', 'bench');
    const results = (await Promise.all(members.map(pullOne))).flat();
    const wallMs = performance.now() - started;

    if (results.length !== mailboxes || results.some((r) => r.outcome !== 'pulled')) throw new Error('the campaign was not pulled from every mailbox');
    const { totalRequests, totalThrottles } = sim.context.counters.snapshot();
    const floorMs = Math.max(3 * latencyMs, (totalRequests / 130_000) * 10_000);
    return pullCase('graph', mailboxes, wallMs, floorMs, { totalRequests, totalThrottles });
  } finally {
    await sim.close();
  }
}
