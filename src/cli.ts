import { parseArgs } from 'node:util';
import { loadConfig } from './config/load.js';
import { InvalidInput } from './domain/issues.js';
import { startApiServer } from './api/server.js';
import { runDev } from './dev.js';
import { runSim } from './sim/run.js';
import { log } from './log.js';
import { ImportCommandFailed, runImport } from './sources/csv-import-cli.js';
import { prepareExistingServer, startWorker, temporalSettings, untilSignalled } from './runtime.js';

const USAGE = `clawback <command>

Commands:
  dev      everything in one process: embedded Temporal dev server (unless TEMPORAL_ADDRESS
           is set), worker and API (this is what \`npm start\` runs)
  worker   the Temporal worker only (TEMPORAL_ADDRESS, default 127.0.0.1:7233)
  api      the HTTP API only (PORT, default 8080)
  sim      the simulated tenant over HTTPS (Graph, Gmail, Directory faces) and its control API
           [--scenario FILE] [--port 8443] [--control-port 8444] [--ca-file .clawback/sim-ca.pem]
  import   bulk cleanup: FILE.csv --source ID [--api http://localhost:8080] (key: --key or
           CLAWBACK_SOURCE_KEY); streams the CSV to the API and shows progress until done

Environment: CLAWBACK_CONFIG (YAML/JSON config; unset = demo), PORT, TEMPORAL_ADDRESS,
TEMPORAL_NAMESPACE, LOG_LEVEL.`;

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      scenario: { type: 'string' },
      port: { type: 'string', default: '8443' },
      'control-port': { type: 'string', default: '8444' },
      'ca-file': { type: 'string', default: '.clawback/sim-ca.pem' },
      source: { type: 'string' },
      api: { type: 'string', default: process.env.CLAWBACK_API ?? 'http://localhost:8080' },
      key: { type: 'string' },
    },
  });
  const [command] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const env = process.env;
  switch (command) {
    case 'dev':
      return runDev(env);
    case 'worker': {
      const { config } = loadConfig(env);
      const { address, namespace } = temporalSettings(env);
      await prepareExistingServer(address, namespace);
      const worker = await startWorker(config, address, namespace);
      await Promise.race([untilSignalled(), worker.running]);
      return worker.stop();
    }
    case 'api': {
      const { config } = loadConfig(env);
      const { address, namespace } = temporalSettings(env);
      const api = await startApiServer({ config, address, namespace, port: Number(env.PORT ?? 8080) });
      await untilSignalled();
      return api.close();
    }
    case 'sim': {
      const sim = await runSim({
        scenarioFile: values.scenario,
        port: portOption('--port', values.port),
        controlPort: portOption('--control-port', values['control-port']),
        caFile: values['ca-file'],
      });
      await untilSignalled();
      return sim.close();
    }
    case 'import': {
      const [, file] = positionals;
      const key = values.key ?? env.CLAWBACK_SOURCE_KEY;
      if (!file || !values.source || !key) throw new UsageError('usage: clawback import FILE.csv --source ID [--api URL] [--key KEY | CLAWBACK_SOURCE_KEY]');
      const view = await runImport({ file, source: values.source, api: values.api, key });
      process.stdout.write(JSON.stringify({ importId: view.importId, rows: view.rows, counts: view.counts }) + '\n');
      return;
    }
    default:
      throw new UsageError(`unknown command "${command}"\n\n${USAGE}`);
  }
}

class UsageError extends Error {}

function portOption(name: string, value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${name} must be a port number, not "${value}"`);
  return port;
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof InvalidInput || error instanceof UsageError || error instanceof ImportCommandFailed) {
      process.stderr.write(`clawback: ${error.message}\n`);
      process.exit(2);
    }
    log.fatal({ err: error }, 'clawback stopped on an error');
    process.exit(1);
  },
);
