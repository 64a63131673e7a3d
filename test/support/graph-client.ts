import { Client } from '@microsoft/microsoft-graph-client';
import { Agent } from 'undici';
import type { SimServer } from '../../src/sim/server.js';

/**
 * A dispatcher for Node's fetch that trusts one simulator's CA. Node's fetch ignores
 * NODE_EXTRA_CA_CERTS once the process runs; every simulator's CA has the same subject, so each
 * gets its own dispatcher rather than one shared trust list.
 */
function trustingDispatcher(sim: SimServer): Agent {
  return new Agent({ connect: { ca: sim.caCert } });
}

export async function fetchGraphToken(sim: SimServer, tenant = 'demo', dispatcher: Agent = trustingDispatcher(sim)): Promise<string> {
  const response = await fetch(`${sim.url}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({
      client_id: 'clawback-test',
      client_secret: 'not-a-secret',
      scope: 'https://graph.microsoft.com/.default',
      grant_type: 'client_credentials',
    }),
    dispatcher,
  });
  if (!response.ok) throw new Error(`token endpoint answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

/**
 * The real Graph SDK pointed at a simulator, authenticated through the simulator's token
 * endpoint. The SDK hands `fetchOptions` to the global fetch, so the dispatcher rides there.
 */
export function graphClientFor(sim: SimServer, tenant = 'demo', getAccessToken?: () => Promise<string>): Client {
  const dispatcher = trustingDispatcher(sim);
  let token: Promise<string> | undefined;
  return Client.initWithMiddleware({
    baseUrl: sim.url,
    customHosts: new Set(['127.0.0.1']),
    fetchOptions: { dispatcher },
    authProvider: { getAccessToken: getAccessToken ?? (() => (token ??= fetchGraphToken(sim, tenant, dispatcher))) },
  });
}

/** Plain fetch against a simulator, for what the SDK cannot send (no token, a raw body). */
export function fetchFromSimulator(sim: SimServer, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${sim.url}${path}`, { ...init, dispatcher: trustingDispatcher(sim) });
}
