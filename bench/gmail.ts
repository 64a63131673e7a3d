import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { MailboxRef } from '../src/domain/mail.js';
import { gmailProviderForSimulator } from '../src/providers/gmail/simulated-tenant.js';
import { GMAIL_UNITS } from '../src/providers/gmail/quota.js';
import { syntheticScenario, SYNTHETIC_CAMPAIGN_ID, type SyntheticTenantOptions } from '../src/sim/generate.js';
import { gmailFace } from '../src/sim/gmail/index.js';
import { Tenant } from '../src/sim/model.js';
import { startSimServer } from '../src/sim/server.js';
import { pullCase, type BenchCase } from './cases.js';

const DOMAIN = 'bench.clawback.test';
const QUARANTINE = 'Clawback Quarantine';

/**
 * Round trips one mailbox needs at the least, one after the other: a delegated token, the
 * search, the labels and read state of what it found, one batchModify. Google sets no limit
 * across mailboxes but the project's units.
 */
const ROUND_TRIPS_PER_MAILBOX = 4;
const PROJECT_UNITS_PER_MINUTE = 1_200_000;
/** What this adapter spends per mailbox: labels, search, metadata; then labels, label creation, read state, batchModify. */
const UNITS_PER_MAILBOX =
  2 * GMAIL_UNITS['labels.list'] + GMAIL_UNITS['messages.list'] + 2 * GMAIL_UNITS['messages.get'] + GMAIL_UNITS['labels.create'] + GMAIL_UNITS['messages.batchModify'];

interface SimulatorInput {
  tenant: SyntheticTenantOptions;
  latencyMs: number;
}

interface SimulatorAddress {
  url: string;
  caCert: string;
  controlUrl: string;
  tenantId: string;
}

/** The simulated tenant on a thread of its own, so its work is not counted as the adapter's. */
async function serveSimulator({ tenant, latencyMs }: SimulatorInput): Promise<void> {
  const model = Tenant.fromScenario(syntheticScenario(tenant));
  const sim = await startSimServer({ tenant: model, faces: [gmailFace], faults: { latency: [{ operation: 'gmail.*', minMs: latencyMs, maxMs: latencyMs }] } });
  const address: SimulatorAddress = { url: sim.url, caCert: sim.caCert, controlUrl: sim.controlUrl, tenantId: model.tenantId };
  parentPort!.once('message', () => void sim.close().then(() => process.exit(0)));
  parentPort!.postMessage(address);
}

function startSimulator(input: SimulatorInput): Promise<{ address: SimulatorAddress; stop: () => Promise<void> }> {
  // A thread does not inherit the TypeScript loader: it registers it, then loads this file.
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: input });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (address: SimulatorAddress) =>
      resolve({
        address,
        stop: async () => {
          worker.postMessage('stop');
          await new Promise((done) => worker.once('exit', done));
        },
      }),
    );
  });
}

async function control<T>(controlUrl: string, path: string, method = 'GET'): Promise<T> {
  const response = await fetch(`${controlUrl}${path}`, { method });
  return (method === 'GET' ? await response.json() : undefined) as T;
}

/**
 * One campaign message pulled from `mailboxes` mailboxes through the Gmail adapter against the
 * simulated tenant, every Google call delayed by `latencyMs`. Each mailbox is searched then
 * pulled; mailboxes run side by side, as independent activities would.
 */
export async function gmailPullCase({ mailboxes, latencyMs }: { mailboxes: number; latencyMs: number }): Promise<BenchCase> {
  const tenant: SyntheticTenantOptions = { mailboxes, listFanout: 100, forwardChains: 0, forwardChainLength: 0, noisePerMailbox: 2, domain: DOMAIN };
  const { address, stop } = await startSimulator({ tenant, latencyMs });
  const provider = gmailProviderForSimulator({ ...address, domains: [DOMAIN] }, { adminUser: `user0@${DOMAIN}` });
  try {
    const resolved = await provider.resolve(Array.from({ length: mailboxes }, (_, i) => `user${i}@${DOMAIN}`));
    const refs = resolved.flatMap((resolution): MailboxRef[] => (resolution.kind === 'mailbox' ? [resolution.mailbox] : []));
    await control(address.controlUrl, '/counters', 'DELETE');

    const started = performance.now();
    const outcomes = await Promise.all(
      refs.map(async (mailbox) => provider.quarantine(await provider.findCopies(mailbox, { messageId: SYNTHETIC_CAMPAIGN_ID }), 'quarantine-folder', 'bench')),
    );
    const wallMs = performance.now() - started;

    const counters = await control<{ totalRequests: number; totalThrottles: number }>(address.controlUrl, '/counters');
    const snapshot = await control<{ placements: { folderPath: string }[] }>(address.controlUrl, `/snapshot?messageId=${encodeURIComponent(SYNTHETIC_CAMPAIGN_ID)}`);
    const pulled = outcomes.flat().filter((result) => result.outcome === 'pulled').length;
    const hidden = snapshot.placements.filter((placement) => placement.folderPath === QUARANTINE).length;
    if (pulled !== mailboxes || hidden !== mailboxes) throw new Error(`pulled ${pulled} and hid ${hidden} of ${mailboxes} copies`);
    // Each minute whose project budget the pull would overspend is a minute's wait.
    const floorMs = ROUND_TRIPS_PER_MAILBOX * latencyMs + Math.floor((mailboxes * UNITS_PER_MAILBOX) / PROJECT_UNITS_PER_MINUTE) * 60_000;
    return pullCase('gmail', mailboxes, wallMs, floorMs, counters);
  } finally {
    provider.close();
    await stop();
  }
}

if (!isMainThread) await serveSimulator(workerData as SimulatorInput);
