import type { HttpBindings } from '@hono/node-server';
import type { Context, Hono } from 'hono';
import type { Counters } from './counters.js';
import type { FaultOutcome, Faults } from './faults.js';
import type { LimitsHolder } from './limits.js';
import type { Tenant } from './model.js';
import type { TokenService } from './tokens.js';

/** Holds the tenant the faces serve; the control API swaps it when a scenario is loaded. */
export interface TenantHolder {
  current: Tenant;
}

/** What every protocol face (Graph, EWS, Gmail) is built from: one model, shared limits. */
export interface SimContext {
  tenant: TenantHolder;
  faults: Faults;
  /** Service limits in force (scenario or control API overrides of the faces' defaults). */
  limits: LimitsHolder;
  counters: Counters;
  tokens: TokenService;
  /** `https://127.0.0.1:PORT`, for absolute links such as `@odata.nextLink`. */
  baseUrl(): string;
}

export type SimEnv = { Bindings: HttpBindings };

/** A protocol face: a Hono app with the service's own paths, mounted at the server root. */
export type Face = (ctx: SimContext) => Hono<SimEnv>;

/**
 * Carries out the faults that are the same whatever the protocol: a reset destroys the socket,
 * a timeout never answers. Returns true when the request was consumed that way.
 */
export async function transportFault(c: Context<SimEnv>, outcome: FaultOutcome | undefined): Promise<boolean> {
  if (outcome?.kind === 'reset') {
    c.env.incoming.socket.destroy();
    return true;
  }
  if (outcome?.kind === 'timeout') {
    await new Promise<void>((resolve) => c.env.incoming.socket.once('close', () => resolve()));
    return true;
  }
  return false;
}
