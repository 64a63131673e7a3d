import { createServer as createHttpsServer } from 'node:https';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { Counters } from './counters.js';
import { controlApp } from './control.js';
import type { Face, SimContext, SimEnv } from './face.js';
import { Faults, type FaultPlanInput } from './faults.js';
import { LimitsHolder, type SimLimitsInput } from './limits.js';
import type { Tenant } from './model.js';
import { generateTlsMaterial } from './tls.js';
import { TokenService } from './tokens.js';

export interface SimServerOptions {
  tenant: Tenant;
  faces: Face[];
  /** HTTPS port of the provider faces; 0 = any free port. */
  port?: number;
  /** Plain-HTTP port of the control API, always on 127.0.0.1; 0 = any free port. */
  controlPort?: number;
  faults?: FaultPlanInput;
  limits?: SimLimitsInput;
}

export interface SimServer {
  /** `https://127.0.0.1:PORT`: the base URL every face answers under. */
  url: string;
  controlUrl: string;
  /** PEM of the CA clients must trust (NODE_EXTRA_CA_CERTS or an agent's `ca`). */
  caCert: string;
  context: SimContext;
  close(): Promise<void>;
}

type FetchCallback = Parameters<typeof serve>[0]['fetch'];

function listen(fetch: FetchCallback, port: number, extra: object): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname: '127.0.0.1', ...extra }, () => resolve(server));
    server.once('error', reject);
  });
}

function portOf(server: ServerType): number {
  return (server.address() as { port: number }).port;
}

/** The simulated tenant over HTTPS: every face on one port, the control API on another. */
export async function startSimServer(options: SimServerOptions): Promise<SimServer> {
  const tls = await generateTlsMaterial();
  let url = '';
  const context: SimContext = {
    tenant: { current: options.tenant },
    faults: new Faults(options.faults),
    limits: new LimitsHolder(options.limits),
    counters: new Counters(),
    tokens: new TokenService(),
    baseUrl: () => url,
  };
  const app = new Hono<SimEnv>();
  for (const face of options.faces) app.route('/', face(context));

  const faces = await listen(app.fetch as FetchCallback, options.port ?? 0, {
    createServer: createHttpsServer,
    serverOptions: { key: tls.key, cert: tls.cert },
  });
  url = `https://127.0.0.1:${portOf(faces)}`;
  const control = await listen(controlApp(context).fetch as FetchCallback, options.controlPort ?? 0, {});

  const close = (server: ServerType) =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    });
  return {
    url,
    controlUrl: `http://127.0.0.1:${portOf(control)}`,
    caCert: tls.caCert,
    context,
    close: async () => {
      await Promise.all([close(faces), close(control)]);
    },
  };
}
