import { mkdirSync, writeFileSync } from 'node:fs';
import type { BenchCase } from './cases.js';
import { campaignCases } from './campaign.js';
import { ewsPullCase } from './ews.js';
import { gmailPullCase } from './gmail.js';
import { graphPullCase } from './graph.js';
import { graphSearchCase, loadCase } from './sim.js';

/** `npm run bench`: prints a table and writes bench/results/latest.json. */
const tenant = { mailboxes: 10_000, listFanout: 100, forwardChains: 20, forwardChainLength: 3, noisePerMailbox: 2 };
const cases: BenchCase[] = [loadCase(tenant), await graphSearchCase({ ...tenant, mailboxes: 1_000 }, 10_000)];
cases.push(...(await campaignCases([1, 100, 1_000, 10_000])));
cases.push(await gmailPullCase({ mailboxes: 200, latencyMs: 25 }));
cases.push(await ewsPullCase({ mailboxes: 200, latencyMs: 50 }));
cases.push(await graphPullCase({ mailboxes: 200, latencyMs: 50 }));
cases.push(await (await import('./ingest.js')).ingestCase({ durationMs: 15_000, concurrency: 32, messages: 50 }));
cases.push(...(await (await import('./import.js')).importCases(100_000)));

console.table(cases);
const results = new URL('./results/', import.meta.url);
mkdirSync(results, { recursive: true });
writeFileSync(new URL('latest.json', results), JSON.stringify(cases, null, 2) + '\n');
