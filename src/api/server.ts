import { serve, type ServerType } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config/schema.js';
import { IncidentClient } from '../incidents/client.js';
import { ImportClient } from '../sources/csv-import.js';
import { TapReversalReader } from '../sources/tap-reversals.js';
import { ReportClient } from '../reports/client.js';
import { log } from '../log.js';
import { createApp } from './app.js';
import { Authenticator } from './auth.js';
import { SourceRegistry } from '../sources/registry.js';

export interface ApiServerOptions {
  config: Config;
  address: string;
  namespace: string;
  port: number;
  host?: string;
}

export interface ApiServer {
  url: string;
  close(): Promise<void>;
}

/** Serves the HTTP API; every route talks to Temporal through one client connection. */
export async function startApiServer({ config, address, namespace, port, host = '0.0.0.0' }: ApiServerOptions): Promise<ApiServer> {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  const incidents = IncidentClient.forConfig(client, config);
  const app = createApp({
    incidents,
    imports: ImportClient.forConfig(client, config),
    tapReversals: new TapReversalReader(client, incidents),
    reports: new ReportClient(client, { temporalUiUrl: config.api.temporalUiUrl, namespace, publicUrl: config.api.publicUrl }),
    auth: new Authenticator(config),
    sources: new SourceRegistry(config.sources),
    temporalReachable: async () => {
      try {
        await connection.withDeadline(Date.now() + 2000, () => connection.workflowService.getSystemInfo({}));
        return true;
      } catch {
        return false;
      }
    },
    bodyLimitBytes: config.api.bodyLimitBytes,
    temporalUiUrl: config.api.temporalUiUrl,
    namespace,
  });
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port, hostname: host }, () => resolve(s));
    s.once('error', reject);
  });
  const actualPort = (server.address() as { port: number }).port;
  log.info({ event: 'api.listening', port: actualPort }, 'API listening');
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${actualPort}`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await connection.close();
    },
  };
}
