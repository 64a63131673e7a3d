/**
 * `npm test [-- <test files and node --test flags>]`: one headless in-memory Temporal dev server
 * for the whole suite (or the server TEMPORAL_ADDRESS names), then node's test runner over every
 * *.test.ts under test/, with TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE set for the tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { constants } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { log } from '../src/log.js';
import { TemporalCliUnavailable } from '../src/temporal/cli-binary.js';
import { DevServerStartFailed, ensureSearchAttributes, startDevServer } from '../src/temporal/dev-server.js';
import { freePort } from '../src/temporal/free-port.js';

const projectDir = fileURLToPath(new URL('..', import.meta.url));
/** CI machines have 2 cores, and each test file may run workers of its own. */
const TEST_CONCURRENCY = 2;

interface TemporalForTests {
  address: string;
  namespace: string;
  stop(): Promise<void>;
}

async function allTestFiles(): Promise<string[]> {
  const testDir = join(projectDir, 'test');
  const entries = await readdir(testDir, { recursive: true });
  return entries
    .filter((entry) => entry.endsWith('.test.ts'))
    .map((entry) => relative(projectDir, join(testDir, entry)))
    .sort();
}

async function temporalForTests(): Promise<TemporalForTests> {
  const namespace = process.env.TEMPORAL_NAMESPACE || 'default';
  const existing = process.env.TEMPORAL_ADDRESS;
  if (existing) {
    const connection = await Connection.connect({ address: existing });
    try {
      await ensureSearchAttributes(connection, namespace, log);
    } finally {
      await connection.close();
    }
    return { address: existing, namespace, stop: async () => {} };
  }
  return startDevServer({
    port: await freePort(),
    headless: true,
    namespace,
    logger: log.child({ component: 'temporal-dev-server' }),
  });
}

function runTests(args: string[], temporal: TemporalForTests): ChildProcess {
  return spawn(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${TEST_CONCURRENCY}`, ...args],
    {
      cwd: projectDir,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace },
    },
  );
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const flags = args.filter((arg) => arg.startsWith('-'));
  const files = args.filter((arg) => !arg.startsWith('-'));

  let tests: ChildProcess | undefined;
  let interruptedBy: NodeJS.Signals | undefined;
  // Handled rather than fatal, so the server is stopped before this process exits.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      interruptedBy = signal;
      tests?.kill(signal);
    });
  }

  let temporal: TemporalForTests;
  try {
    temporal = await temporalForTests();
  } catch (error) {
    if (!(error instanceof TemporalCliUnavailable || error instanceof DevServerStartFailed)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  try {
    if (interruptedBy) return 128 + constants.signals[interruptedBy];
    const child = runTests([...flags, ...(files.length > 0 ? files : await allTestFiles())], temporal);
    tests = child;
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
    );
    const ending = interruptedBy ?? signal;
    return ending ? 128 + constants.signals[ending] : (code ?? 1);
  } finally {
    await temporal.stop();
  }
}

process.exitCode = await main();
