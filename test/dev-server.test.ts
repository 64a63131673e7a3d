import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import { searchAttributes } from '../workflows/messages.js';
import { log } from '../src/log.js';
import { locateTemporalCli, type TemporalCli } from '../src/temporal/cli-binary.js';
import { DevServerStartFailed, ensureSearchAttributes, startDevServer, type DevServer } from '../src/temporal/dev-server.js';
import { freePort } from '../src/temporal/free-port.js';

const logger = log.child({ test: 'dev-server' }, { level: 'warn' });
const namespace = 'clawback-dev-server-test';

let cli: TemporalCli;
let dir: string;

before(async () => {
  cli = await locateTemporalCli({ logger, allowDownload: false });
  dir = await mkdtemp(join(tmpdir(), 'clawback-dev-server-test-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function withConnection<T>(server: DevServer, use: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: server.address });
  try {
    return await use(connection);
  } finally {
    await connection.close();
  }
}

async function registeredAttributes(server: DevServer): Promise<Record<string, number>> {
  return withConnection(server, async (connection) => {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    return customAttributes;
  });
}

function assertAllRegistered(registered: Record<string, number>): void {
  for (const key of Object.values(searchAttributes)) {
    assert.equal(registered[key.name], encodeSearchAttributeIndexedValueType(key.type), `${key.name} as ${key.type}`);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startDevServer', () => {
  test('registers the search attributes, keeps state in its SQLite file across a restart, and stops its process', async () => {
    const dbFile = join(dir, 'restart', 'temporal.db');
    const port = await freePort();
    const start = () => startDevServer({ cli, dbFile, port, headless: true, namespace, logger });

    const first = await start();
    try {
      assertAllRegistered(await registeredAttributes(first));
      await withConnection(first, (connection) =>
        new Client({ connection, namespace }).workflow.start('incident', {
          workflowId: 'survives-restart',
          taskQueue: 'no-worker',
          typedSearchAttributes: new TypedSearchAttributes([{ key: searchAttributes.status, value: 'awaiting-approval' }]),
        }),
      );
    } finally {
      await first.stop();
    }
    assert.ok(first.pid !== undefined && !isRunning(first.pid), 'the first server process is gone');

    const second = await start();
    try {
      assertAllRegistered(await registeredAttributes(second));
      const found = await withConnection(second, async (connection) => {
        const ids: string[] = [];
        const query = `${searchAttributes.status.name} = "awaiting-approval"`;
        const client = new Client({ connection, namespace });
        for await (const execution of client.workflow.list({ query })) ids.push(execution.workflowId);
        return ids;
      });
      assert.deepEqual(found, ['survives-restart']);
    } finally {
      await second.stop();
    }
    assert.ok(second.pid !== undefined && !isRunning(second.pid), 'the second server process is gone');
    await second.stop(); // stopping again is harmless
  });

  test('fails with the server stderr when the port is taken', async () => {
    // The readiness probe talks to whatever holds the port; close those sockets so close() returns.
    const blocker = createServer((socket) => socket.destroy());
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const quiet = logger.child({}, { level: 'silent' });
      await assert.rejects(startDevServer({ cli, port, headless: true, namespace, logger: quiet }), (error: unknown) => {
        assert.ok(error instanceof DevServerStartFailed);
        assert.match(error.message, /exited \(exit code 1\)/);
        assert.match(error.message, /address already in use/);
        return true;
      });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  test('a server that never answers is killed after the ready timeout, even when it ignores SIGTERM', async () => {
    const pidFile = join(dir, 'stubborn.pid');
    // An ignored signal stays ignored across exec, so `sleep` itself ignores SIGTERM.
    const stubborn = join(dir, 'stubborn-temporal');
    await writeFile(stubborn, `#!/bin/sh\necho $$ > '${pidFile}'\ntrap '' TERM\nexec sleep 60\n`);
    await chmod(stubborn, 0o755);

    await assert.rejects(
      startDevServer({
        cli: { kind: 'existing-path', path: stubborn },
        port: await freePort(),
        headless: true,
        namespace,
        logger: logger.child({}, { level: 'silent' }),
        readyTimeoutMs: 1_000,
        stopTimeoutMs: 500,
      }),
      (error: unknown) => error instanceof DevServerStartFailed && /no answer on .* within 1000 ms/.test(error.message),
    );
    assert.equal(isRunning(Number(await readFile(pidFile, 'utf8'))), false);
  });
});

describe('ensureSearchAttributes', () => {
  test('adds only the missing attributes and is idempotent', async () => {
    const server = await startDevServer({ cli, port: await freePort(), headless: true, namespace, logger });
    try {
      await withConnection(server, async (connection) => {
        await connection.operatorService.removeSearchAttributes({
          namespace,
          searchAttributes: [searchAttributes.copiesPulled.name],
        });
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
        assert.equal(customAttributes[searchAttributes.copiesPulled.name], undefined);

        await ensureSearchAttributes(connection, namespace, logger);
        await ensureSearchAttributes(connection, namespace, logger);
      });
      assertAllRegistered(await registeredAttributes(server));
    } finally {
      await server.stop();
    }
  });
});
