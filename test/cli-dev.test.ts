import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { freePort } from '../src/temporal/free-port.js';
import { testTemporal } from './support/stack.js';

const bin = new URL('../bin/clawback.js', import.meta.url).pathname;
const alert = readFileSync(new URL('../examples/alert.json', import.meta.url), 'utf8');

async function poll<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('clawback dev with TEMPORAL_ADDRESS runs the demo end to end and stops cleanly on Ctrl-C', async () => {
  const { address, namespace } = testTemporal();
  const port = await freePort();
  const api = `http://127.0.0.1:${port}`;
  const cwd = mkdtempSync(join(tmpdir(), 'clawback-dev-'));
  const dev = spawn(process.execPath, [bin, 'dev'], {
    cwd,
    env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace, PORT: String(port), CLAWBACK_CONFIG: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  dev.stdout.on('data', (d) => (output += d));
  try {
    await poll('the API to answer', async () => ((await fetch(`${api}/healthz`)).status === 200 ? true : undefined), 60_000);
    assert.match(output, /demo-source-key/, 'the banner shows the demo keys');

    const accepted = await fetch(`${api}/v1/alerts`, {
      method: 'POST',
      headers: { authorization: 'Bearer demo-source-key', 'content-type': 'application/json' },
      body: alert,
    });
    assert.equal(accepted.status, 202);
    const { incidentId } = (await accepted.json()) as { incidentId: string };
    const incident = await poll(
      'the demo incident to be contained',
      async () => {
        const body = (await (await fetch(`${api}/v1/incidents/${incidentId}`, { headers: { authorization: 'Bearer demo-source-key' } })).json()) as {
          status: string;
          counts: { copiesFound: number; copiesPulled: number };
        };
        return body.status === 'contained' ? body : undefined;
      },
      30_000,
    );
    assert.equal(incident.counts.copiesFound, 6);
    assert.equal(incident.counts.copiesPulled, 6);
  } finally {
    dev.kill('SIGINT');
  }
  const [code] = await once(dev, 'exit');
  assert.equal(code, 0, `clawback dev exited with ${code}:\n${output.split('\n').filter((l) => l.includes('"level":60')).join('\n')}`);
});
