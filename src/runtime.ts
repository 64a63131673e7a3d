import { Connection } from '@temporalio/client';
import { createWorker } from './worker.js';
import { intakeDepsFor } from '../activities/intake.js';
import { ensureTapSchedules } from './sources/tap-poller-schedule.js';
import { ensureAbuseSchedules } from './reports/schedule.js';
import { withClient } from './temporal/schedules.js';
import { abuseDepsFor } from '../activities/abuse-deps.js';
import { logNotifier } from '../activities/notify.js';
import { ChannelRegistry } from './notify/channels.js';
import { openProviders } from './providers/from-config.js';
import type { Config } from './config/schema.js';
import { ensureSearchAttributes } from './temporal/dev-server.js';
import { log } from './log.js';

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

export function temporalSettings(env: NodeJS.ProcessEnv) {
  return {
    address: env.TEMPORAL_ADDRESS || DEFAULT_TEMPORAL_ADDRESS,
    namespace: env.TEMPORAL_NAMESPACE || 'default',
  };
}

/** Registers Clawback's search attributes on a server Clawback did not start itself. */
export async function prepareExistingServer(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await ensureSearchAttributes(connection, namespace, log);
  } finally {
    await connection.close();
  }
}

/** Starts a worker over the configured tenants; resolves with a handle that stops it. */
export async function startWorker(config: Config, address: string, namespace: string) {
  const providers = await openProviders(config);
  // Channel secrets are read here, in the worker: workflows only ever name a channel by its id.
  const channels = await ChannelRegistry.open(config.notifications);
  const { worker, connection } = await createWorker({
    address,
    namespace,
    taskQueue: config.temporal.taskQueue,
    deps: { providers, notifiers: [logNotifier], channels, temporalUiUrl: config.api.temporalUiUrl, mailboxConcurrency: config.worker.mailboxConcurrency, intake: intakeDepsFor(config), abuse: await abuseDepsFor(config, providers, channels) },
  });
  // The schedules of TAP polls and abuse mailboxes, over one connection when there are any.
  if (config.abuse.mailboxes.length > 0 || config.sources.some((source) => source.type === 'tap' && source.poll)) {
    await withClient(address, namespace, async (client) => {
      await ensureTapSchedules(client, config);
      await ensureAbuseSchedules(client, config);
    });
  }
  const running = worker.run();
  log.info({ event: 'worker.started', taskQueue: config.temporal.taskQueue, namespace }, 'worker started');
  return {
    running,
    async stop() {
      // The SDK drains the worker on SIGINT/SIGTERM by itself; shut it down only if it has not.
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
      await channels.close();
    },
  };
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignalled(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
