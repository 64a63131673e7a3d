import { mkdirSync, writeFileSync } from 'node:fs';
import type { BenchCase } from './cases.js';
import { graphSearchCase, loadCase } from './sim.js';

/** `npm run bench`: prints a table and writes bench/results/latest.json. */
const tenant = { mailboxes: 10_000, listFanout: 100, forwardChains: 20, forwardChainLength: 3, noisePerMailbox: 2 };
const cases: BenchCase[] = [loadCase(tenant), await graphSearchCase({ ...tenant, mailboxes: 1_000 }, 10_000)];

console.table(cases);
const results = new URL('./results/', import.meta.url);
mkdirSync(results, { recursive: true });
writeFileSync(new URL('latest.json', results), JSON.stringify(cases, null, 2) + '\n');
