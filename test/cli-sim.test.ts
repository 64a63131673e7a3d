import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoScenario } from '../src/sim/demo.js';

const bin = new URL('../bin/clawback.js', import.meta.url).pathname;

test('clawback sim serves a scenario over HTTPS with its CA written out, and stops on Ctrl-C', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clawback-sim-'));
  const caFile = join(dir, 'ca.pem');
  const scenarioFile = join(dir, 'scenario.json');
  writeFileSync(scenarioFile, JSON.stringify({ ...demoScenario, tenantId: 'from-file' }));
  const sim = spawn(process.execPath, [bin, 'sim', '--scenario', scenarioFile, '--port', '0', '--control-port', '0', '--ca-file', caFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  sim.stdout.on('data', (d) => (output += d));
  try {
    const deadline = Date.now() + 30_000;
    while (!/control API\s+(\S+)/.test(output)) {
      assert.ok(Date.now() < deadline, `clawback sim did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const control = /control API\s+(\S+)/.exec(output)![1]!;
    const graph = /Microsoft Graph\s+(\S+)/.exec(output)![1]!;
    assert.deepEqual(await (await fetch(`${control}/healthz`)).json(), { status: 'ok', tenantId: 'from-file' });
    const status = await new Promise<number>((resolve, reject) =>
      https.get(`${graph}/users`, { ca: readFileSync(caFile, 'utf8') }, (res) => resolve(res.statusCode ?? 0)).on('error', reject),
    );
    assert.equal(status, 401, 'the Graph face answers over TLS the CA file verifies, and wants a token');
  } finally {
    sim.kill('SIGINT');
  }
  const [code] = await once(sim, 'exit');
  assert.equal(code, 0);
});

test('clawback sim refuses a bad port or scenario with a clear message', async () => {
  const run = async (...args: string[]) => {
    const child = spawn(process.execPath, [bin, 'sim', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const [code] = await once(child, 'exit');
    return { code, stderr };
  };
  const badPort = await run('--port', 'eighty');
  assert.equal(badPort.code, 2);
  assert.match(badPort.stderr, /--port must be a port number/);
  const dir = mkdtempSync(join(tmpdir(), 'clawback-sim-'));
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ tenantId: 'x', domains: [] }));
  const badScenario = await run('--scenario', join(dir, 'bad.json'), '--port', '0', '--control-port', '0');
  assert.equal(badScenario.code, 2);
  assert.match(badScenario.stderr, /invalid scenario/);
});
