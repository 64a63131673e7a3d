import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { startApiServer } from './api/server.js';
import { loadConfig, DEMO_SOURCE_KEY, DEMO_ADMIN_KEY } from './config/load.js';
import { log } from './log.js';
import { prepareExistingServer, startWorker, temporalSettings, untilSignalled } from './runtime.js';
import { startDevServer } from './temporal/dev-server.js';

const DATA_DIR = resolve('.clawback');

/**
 * Everything in one process: an embedded Temporal dev server (unless TEMPORAL_ADDRESS names one),
 * the worker and the API. Ctrl-C stops all three, the server last.
 */
export async function runDev(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  mkdirSync(DATA_DIR, { recursive: true });
  const { config, demo } = loadConfig(env, DATA_DIR);
  const { namespace } = temporalSettings(env);
  const port = Number(env.PORT ?? 8080);

  const server = env.TEMPORAL_ADDRESS
    ? undefined
    : await startDevServer({ dbFile: resolve(DATA_DIR, 'temporal.db'), port: 7233, uiPort: 8233, namespace, logger: log });
  const address = server?.address ?? temporalSettings(env).address;
  if (!server) await prepareExistingServer(address, namespace);

  const worker = await startWorker(config, address, namespace);
  const api = await startApiServer({ config, address, namespace, port });

  printBanner({ api: `http://localhost:${port}`, ui: server?.uiUrl ?? config.api.temporalUiUrl, demo });

  const stop = async (why: string) => {
    log.info({ event: 'shutdown', why }, 'stopping');
    await api.close();
    await worker.stop();
    await server?.stop();
  };
  const outcome = await Promise.race([untilSignalled().then((s) => `signal ${s}`), worker.running.then(() => 'worker stopped')]);
  await stop(outcome);
}

function printBanner({ api, ui, demo }: { api: string; ui?: string; demo: boolean }): void {
  const lines = [
    '',
    'Clawback is running.',
    `  API          ${api}   (description: ${api}/openapi.json)`,
    ...(ui ? [`  Temporal UI  ${ui}`] : []),
  ];
  if (demo) {
    lines.push(
      '',
      `Demo tenant loaded. Source key: ${DEMO_SOURCE_KEY}, admin key: ${DEMO_ADMIN_KEY}. Pull the demo message:`,
      `  curl -s -X POST ${api}/v1/alerts -H 'Authorization: Bearer ${DEMO_SOURCE_KEY}' -H 'Content-Type: application/json' --data @examples/alert.json`,
    );
  }
  lines.push('', 'Press Ctrl-C to stop.', '');
  process.stdout.write(lines.join('\n') + '\n');
}
