import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { serve, type ServerType } from '@hono/node-server';
import { DEMO_ADDRESSES as a, DEMO_MESSAGE_ID } from '../src/sim/demo.js';
import { runImport } from '../src/sources/csv-import-cli.js';
import { DEMO_SOURCE_KEY, startStack, uniqueScenario } from './support/stack.js';

const run = promisify(execFile);

describe('clawback import', () => {
  let stack: Awaited<ReturnType<typeof startStack>>;
  let server: ServerType;
  let api: string;
  let rename: (id: string) => string;

  before(async () => {
    const unique = uniqueScenario();
    rename = unique.rename;
    stack = await startStack({ scenario: unique.scenario, incident: { lateCopies: { watchMs: 0, sweepEveryMs: 1000 } } });
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: stack.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    api = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await stack.stop();
  });

  it('streams the file to the API and shows progress until every row has a result', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'clawback-cli-')), 'trace.csv');
    writeFileSync(file, `Sender,Recipients,Message_ID\n${a.attacker},${a.bob},${rename(DEMO_MESSAGE_ID)}\n${a.attacker},${a.bob},\n`);
    const lines: string[] = [];
    const out = { isTTY: false, write: (text: string) => lines.push(text) } as unknown as NodeJS.WriteStream;
    const view = await runImport({ file, source: 'demo-source', api, key: DEMO_SOURCE_KEY, out, pollMs: 100 });
    assert.equal(view.status, 'done');
    assert.deepEqual([view.counts.pulled, view.counts.invalid], [1, 1]);
    assert.match(lines[0]!, /2 row\(s\) read, 1 invalid/);
    assert.match(lines.at(-1)!, /^done: submitted 1\/1, results 1\/1 — pulled 1, invalid 1/);
  });

  it('says what is wrong and exits 2 when the API refuses the key or the arguments are missing', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'clawback-cli-')), 'trace.csv');
    writeFileSync(file, 'Sender,Recipients,Message_ID\n');
    const refused = await run(process.execPath, ['bin/clawback.js', 'import', file, '--source', 'demo-source', '--api', api, '--key', 'wrong-key-here']).catch((e) => e);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /the API answered 401/);
    const usage = await run(process.execPath, ['bin/clawback.js', 'import', file]).catch((e) => e);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage: clawback import FILE.csv --source ID/);
  });
});
