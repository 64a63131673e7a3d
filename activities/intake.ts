import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { Config } from '../src/config/schema.js';
import type { Alert } from '../src/domain/alert.js';
import type { Policy } from '../src/domain/incident.js';
import { IncidentClient } from '../src/incidents/client.js';
import { importsDir } from '../src/sources/csv-import.js';
import { ImportStore } from '../src/sources/csv-spool.js';
import { SourceRegistry } from '../src/sources/registry.js';
import type { TapPollerConfig } from '../src/sources/tap-poller-config.js';

/** What the worker's intake activities (CSV imports, TAP polls) need to start incidents as the API does. */
export interface IntakeDeps {
  /** The spool CSV imports are read from (shared with the API). */
  store: ImportStore;
  /** TAP sources that poll, by source id. */
  polls: Map<string, TapPollerConfig>;
  /** The incident client over the worker's own Temporal client. */
  incidentsFor(client: Client): IncidentClient;
  /** The policy the source's rules give an alert, as for alerts sent to the API. */
  policyFor(source: string, alert: Alert): Policy;
}

export function intakeDepsFor(config: Config, dir = importsDir()): IntakeDeps {
  const sources = new SourceRegistry(config.sources);
  return {
    store: new ImportStore(dir),
    polls: new Map(config.sources.flatMap((source) => (source.type === 'tap' && source.poll ? [[source.id, source.poll] as const] : []))),
    incidentsFor: IncidentClient.perClient(config),
    // A source no longer configured pulls nothing: what it names is searched and recorded only.
    policyFor: (source, alert) => sources.get(source)?.rules.decide(alert).policy ?? 'record',
  };
}

/** The deps, or a permanent failure: a worker without them must not pretend to do the work. */
export function requireIntake(deps: IntakeDeps | undefined): IntakeDeps {
  if (!deps) throw ApplicationFailure.nonRetryable('this worker has no intake (imports, TAP polling) configured', 'IntakeNotConfigured');
  return deps;
}
