import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MailboxRef } from '../src/domain/mail.js';
import { EWS_MAX_CONCURRENCY } from '../src/providers/ews/config.js';
import { EwsProvider } from '../src/providers/ews/provider.js';
import { DEMO_EWS_ACCOUNT, EWS_PATH, ewsFace } from '../src/sim/ews/index.js';
import { syntheticScenario, SYNTHETIC_CAMPAIGN_ID } from '../src/sim/generate.js';
import { Tenant } from '../src/sim/model.js';
import { startSimServer } from '../src/sim/server.js';
import { pullCase, type BenchCase } from './cases.js';

const DOMAIN = 'bench.clawback.test';
const QUARANTINE = 'Clawback Quarantine';

/** The least a first pull from one mailbox takes, one request after the other: FindFolder, FindItem, CreateFolder, MoveItem. */
const REQUESTS_PER_MAILBOX = 4;

/**
 * One campaign message pulled from `mailboxes` mailboxes through the EWS adapter against the
 * simulated tenant (in this process), every EWS request delayed by `latencyMs`. Mailboxes run
 * side by side, as independent activities would; the one service account may have
 * EWSMaxConcurrency requests in flight, so the floor is that many requests per latency.
 */
export async function ewsPullCase({ mailboxes, latencyMs }: { mailboxes: number; latencyMs: number }): Promise<BenchCase> {
  const tenant = Tenant.fromScenario(syntheticScenario({ mailboxes, listFanout: 100, forwardChains: 0, forwardChainLength: 0, noisePerMailbox: 2, domain: DOMAIN }));
  const sim = await startSimServer({ tenant, faces: [ewsFace], faults: { latency: [{ operation: 'ews.*', minMs: latencyMs, maxMs: latencyMs }] } });
  const dir = mkdtempSync(join(tmpdir(), 'clawback-bench-ews-'));
  try {
    writeFileSync(join(dir, 'ca.pem'), sim.caCert);
    const provider = await EwsProvider.open({
      tenantId: tenant.tenantId,
      config: { type: 'ews', url: `${sim.url}${EWS_PATH}`, caFile: join(dir, 'ca.pem'), auth: { type: 'basic', ...DEMO_EWS_ACCOUNT } },
      domains: [DOMAIN],
    });
    const refs = tenant.mailboxes().map((mailbox): MailboxRef => ({ tenantId: tenant.tenantId, mailboxId: mailbox.address, address: mailbox.address, kind: 'user' }));
    sim.context.counters.reset();

    const started = performance.now();
    const outcomes = await Promise.all(
      refs.map(async (mailbox) => provider.quarantine(await provider.findCopies(mailbox, { messageId: SYNTHETIC_CAMPAIGN_ID }), 'quarantine-folder', 'bench')),
    );
    const wallMs = performance.now() - started;

    const pulled = outcomes.flat().filter((result) => result.outcome === 'pulled').length;
    const hidden = tenant.locate(SYNTHETIC_CAMPAIGN_ID).filter((placement) => placement.folderPath === QUARANTINE).length;
    if (pulled !== mailboxes || hidden !== mailboxes) throw new Error(`pulled ${pulled} and hid ${hidden} of ${mailboxes} copies`);
    const counters = sim.context.counters.snapshot();
    const floorMs = Math.ceil((mailboxes * REQUESTS_PER_MAILBOX) / EWS_MAX_CONCURRENCY) * latencyMs;
    return pullCase('ews', mailboxes, wallMs, floorMs, counters);
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
