import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker, type LogEntry, type WorkflowBundle } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { log } from './log.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** The bundler reports every module it packs at info level; only its warnings and errors matter. */
const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => log.warn(message),
  error: (message: string) => log.error(message),
};

/** The workflows bundled once, for processes that start several workers (tests, benchmarks). */
export function bundleWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
}

let runtimeInstalled = false;

/** The SDK logs through the same JSON-lines logger as the rest of Clawback. */
function installRuntimeLogger(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = (process.env.TEMPORAL_LOG_LEVEL ?? 'WARN') as LogEntry['level'];
  Runtime.install({
    logger: new DefaultLogger(level, ({ level: entryLevel, message, meta }) => {
      const method = entryLevel === 'ERROR' ? 'error' : entryLevel === 'WARN' ? 'warn' : entryLevel === 'INFO' ? 'info' : 'debug';
      log[method]({ temporal: meta }, message);
    }),
  });
}

export interface WorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt workflow bundle (tests build one and share it); built from source when absent. */
  workflowBundle?: WorkflowBundle;
}

/** A worker that runs incident workflows and their activities on the task queue. */
export async function createWorker({ address, namespace, taskQueue, deps, workflowBundle }: WorkerOptions): Promise<{ worker: Worker; connection: NativeConnection }> {
  installRuntimeLogger();
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(deps),
    shutdownGraceTime: '10s',
  });
  return { worker, connection };
}
