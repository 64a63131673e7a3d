import type { IncidentClient } from '../incidents/client.js';
import type { SourceRegistry } from '../sources/registry.js';
import type { ImportClient } from '../sources/csv-import.js';
import type { TapReversalReader } from '../sources/tap-reversals.js';
import type { ReportClient } from '../reports/client.js';
import type { Authenticator, Principal } from './auth.js';

export interface ApiDeps {
  incidents: IncidentClient;
  /** Bulk cleanup from CSV uploads; absent = the import routes are not served. */
  imports?: ImportClient;
  /** Abuse-mailbox reports; absent = `GET /v1/reports` is not served. */
  reports?: ReportClient;
  /** Withdrawn TAP verdicts found by poll runs; absent = `GET /v1/sources/:id/reversals` is not served. */
  tapReversals?: TapReversalReader;
  auth: Authenticator;
  /** The configured alert sources: formats, match rules, rate limits, TRAP route ids. */
  sources: SourceRegistry;
  /** True when Temporal answers. */
  temporalReachable: () => Promise<boolean>;
  bodyLimitBytes: number;
  /** Link base for an incident in the Temporal Web UI. */
  temporalUiUrl: string;
  namespace: string;
}

export type ApiEnv = { Variables: { principal: Principal } };
