import type { IncidentClient } from '../incidents/client.js';
import type { Authenticator, Principal } from './auth.js';

export interface ApiDeps {
  incidents: IncidentClient;
  auth: Authenticator;
  /** True when Temporal answers. */
  temporalReachable: () => Promise<boolean>;
  bodyLimitBytes: number;
  /** Link base for an incident in the Temporal Web UI. */
  temporalUiUrl: string;
  namespace: string;
}

export type ApiEnv = { Variables: { principal: Principal } };
