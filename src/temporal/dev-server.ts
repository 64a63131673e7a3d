import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import type { Logger } from '../log.js';
import { locateTemporalCli, TemporalCliUnavailable, type TemporalCli } from './cli-binary.js';
import { forwardDevServerOutput } from './dev-server-output.js';
import { clawbackSearchAttributes, ensureSearchAttributes, searchAttributeFlags } from './search-attributes.js';

export { ensureSearchAttributes } from './search-attributes.js';

/** A cold start on a 2-core CI machine can take tens of seconds; the SDK's own limit is 5 s. */
const DEFAULT_READY_TIMEOUT_MS = 60_000;
const DEFAULT_STOP_TIMEOUT_MS = 10_000;
const READY_POLL_INTERVAL_MS = 100;
/**
 * Per gRPC probe, once the port accepts connections; a busy CI machine answers slowly. A probe cut
 * short by the process exiting still holds a timer this long, delaying this process's own exit.
 */
const READY_PROBE_TIMEOUT_MS = 3_000;

export interface DevServerOptions {
  port: number;
  namespace: string;
  logger: Logger;
  /** SQLite file that keeps workflows across restarts; in memory when absent. */
  dbFile?: string;
  /** Address to bind (default 127.0.0.1). */
  ip?: string;
  /** Web UI port (the CLI's default is port + 1000); ignored when headless. */
  uiPort?: number;
  headless?: boolean;
  /** The CLI to run; located (and built when possible) when absent. */
  cli?: TemporalCli;
  readyTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL. */
  stopTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  /** The server process, when this process runs it (a downloaded CLI is run by the SDK). */
  pid?: number;
  stop(): Promise<void>;
}

/** The dev server exited or never answered while starting. */
export class DevServerStartFailed extends Error {
  override readonly name = 'DevServerStartFailed';

  constructor(
    reason: string,
    readonly command: readonly string[],
    readonly stderrTail: readonly string[],
    options?: ErrorOptions,
  ) {
    super(
      [`Temporal dev server failed to start: ${reason}.`, `Command: ${command.join(' ')}`, ...stderrTail].join('\n'),
      options,
    );
  }
}

/**
 * Starts `temporal server start-dev` with Clawback's namespace and search attributes and waits
 * until it answers.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const cli = options.cli ?? (await locateTemporalCli({ logger: options.logger }));
  if (options.dbFile !== undefined) await mkdir(dirname(options.dbFile), { recursive: true });
  return cli.kind === 'existing-path' ? runCli(cli.path, options) : runDownloadedCli(options);
}

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function uiUrlOf(options: DevServerOptions, ip: string): string | undefined {
  return options.headless ? undefined : `http://${hostPort(ip, options.uiPort ?? options.port + 1000)}`;
}

function devServerArgs(options: DevServerOptions, ip: string): string[] {
  return [
    'server',
    'start-dev',
    ...(options.dbFile !== undefined ? ['--db-filename', options.dbFile] : []),
    '--ip',
    ip,
    '--port',
    String(options.port),
    ...(options.headless ? ['--headless'] : options.uiPort !== undefined ? ['--ui-port', String(options.uiPort)] : []),
    '--namespace',
    options.namespace,
    ...searchAttributeFlags(),
    '--log-format',
    'json',
    '--log-level',
    'warn',
  ];
}

interface ProcessEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

async function runCli(cliPath: string, options: DevServerOptions): Promise<DevServer> {
  const { logger, namespace } = options;
  const ip = options.ip ?? '127.0.0.1';
  const address = hostPort(ip, options.port);
  const uiUrl = uiUrlOf(options, ip);
  const args = devServerArgs(options, ip);
  const command = [cliPath, ...args];
  const startedAt = Date.now();

  const child = spawn(cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = forwardDevServerOutput(child.stdout, child.stderr, logger);
  let end: ProcessEnd | undefined;
  let stopping: Promise<void> | undefined;
  // Covers a normal exit of this process without stop(); signals are the caller's to handle.
  const terminateOnExit = (): void => {
    child.kill('SIGTERM');
  };
  process.once('exit', terminateOnExit);
  // 'close' rather than 'exit': by then the last stderr lines have been read.
  const ended = new Promise<ProcessEnd>((resolve) => {
    const finish = (result: ProcessEnd): void => {
      if (end !== undefined) return;
      end = result;
      process.removeListener('exit', terminateOnExit);
      if (stopping === undefined) logger.warn({ address, ending: formatEnd(result) }, 'Temporal dev server exited');
      resolve(result);
    };
    child.once('close', (code, signal) => finish({ code, signal }));
    child.once('error', (error) => finish({ code: null, signal: null, error }));
  });

  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      output.expectShutdown();
      if (end === undefined) {
        child.kill('SIGTERM');
        const stopTimeoutMs = options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
        const killTimer = setTimeout(() => {
          logger.warn({ address, stopTimeoutMs }, 'Temporal dev server ignored SIGTERM; sending SIGKILL');
          child.kill('SIGKILL');
        }, stopTimeoutMs);
        await ended;
        clearTimeout(killTimer);
      }
      logger.info({ address }, 'Temporal dev server stopped');
    })());

  logger.info({ address, namespace, dbFile: options.dbFile ?? null, cli: cliPath }, 'starting the Temporal dev server');
  let connection: Connection;
  try {
    const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    connection = await waitUntilServing(ip, options.port, namespace, readyTimeoutMs, ended);
  } catch (error) {
    await stop();
    throw new DevServerStartFailed((error as Error).message, command, output.stderrTail(), { cause: error });
  }
  try {
    // The CLI registers --search-attribute only in namespaces it creates, so a database made
    // before an attribute was added would lack it.
    await ensureSearchAttributes(connection, namespace, logger);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    await connection.close();
  }
  const startupMs = Date.now() - startedAt;
  logger.info({ address, namespace, uiUrl: uiUrl ?? null, startupMs }, 'Temporal dev server ready');
  return {
    address,
    namespace,
    ...(uiUrl !== undefined && { uiUrl }),
    ...(child.pid !== undefined && { pid: child.pid }),
    stop,
  };
}

/** Polls until the frontend answers and the namespace exists, giving up as soon as the process ends. */
async function waitUntilServing(
  ip: string,
  port: number,
  namespace: string,
  timeoutMs: number,
  ended: Promise<ProcessEnd>,
): Promise<Connection> {
  const address = hostPort(ip, port);
  const deadline = Date.now() + timeoutMs;
  let end: ProcessEnd | undefined;
  void ended.then((result) => (end = result));
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (end !== undefined) throw new Error(`it exited (${formatEnd(end)})`, { cause: end.error });
    // A refused gRPC connection backs off for a second; a plain TCP probe notices the listener at once.
    if (!(await acceptsConnections(ip, port))) {
      lastError = new Error(`nothing listens on ${address} yet`);
      await sleep(READY_POLL_INTERVAL_MS);
      continue;
    }
    // Not Connection.connect: when it fails it keeps its channel open, retrying in the background.
    const probe = Connection.lazy({ address, connectTimeout: READY_PROBE_TIMEOUT_MS });
    const answered = probe
      .ensureConnected()
      .then(() => probe.workflowService.describeNamespace({ namespace }))
      .then(
        () => true,
        (error: unknown) => {
          lastError = error;
          return false;
        },
      );
    // Racing the exit: a probe against a port some other program holds would wait out its timeout.
    if (await Promise.race([answered, ended.then(() => false)])) return probe;
    await probe.close();
    await sleep(READY_POLL_INTERVAL_MS);
  }
  throw new Error(`no answer on ${address} within ${timeoutMs} ms (last error: ${String(lastError)})`, {
    cause: lastError,
  });
}

function acceptsConnections(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function formatEnd(end: ProcessEnd): string {
  if (end.error) return `could not run it: ${end.error.message}`;
  return end.signal ? `signal ${end.signal}` : `exit code ${end.code}`;
}

/**
 * No CLI and no Go: the SDK downloads the CLI (needs internet). The SDK runs the server itself and
 * gives it 5 s to start, which suits a laptop, not a slow CI machine.
 */
async function runDownloadedCli(options: DevServerOptions): Promise<DevServer> {
  const { logger, namespace } = options;
  const ip = options.ip ?? '127.0.0.1';
  // Imported on demand: the testing package loads the worker's native bridge, which nothing else here needs.
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  logger.info({ port: options.port, namespace }, 'starting a Temporal dev server with a CLI the SDK downloads');
  let environment: Awaited<ReturnType<typeof TestWorkflowEnvironment.createLocal>>;
  try {
    environment = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'cached-download' },
        ip,
        port: options.port,
        ui: !options.headless,
        ...(options.uiPort !== undefined && !options.headless && { uiPort: options.uiPort }),
        ...(options.dbFile !== undefined && { dbFilename: options.dbFile }),
        namespace,
        searchAttributes: clawbackSearchAttributes,
        log: { format: 'json', level: 'warn' },
      },
    });
  } catch (error) {
    throw new TemporalCliUnavailable(`downloading and starting it failed (${(error as Error).message})`, [], {
      cause: error,
    });
  }
  const teardown = environment.teardown.bind(environment);
  try {
    await ensureSearchAttributes(environment.connection, namespace, logger);
  } catch (error) {
    await teardown();
    throw error;
  }
  const uiUrl = uiUrlOf(options, ip);
  let stopping: Promise<void> | undefined;
  return {
    address: environment.address,
    namespace,
    ...(uiUrl !== undefined && { uiUrl }),
    stop: () => (stopping ??= teardown()),
  };
}
