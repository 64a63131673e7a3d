import type { Client } from '@temporalio/client';
import type { Config } from '../src/config/schema.js';
import type { Alert } from '../src/domain/alert.js';
import type { Policy } from '../src/domain/incident.js';
import { IncidentClient } from '../src/incidents/client.js';
import type { ChannelRegistry } from '../src/notify/channels.js';
import type { ProviderRegistry } from '../src/providers/registry.js';
import type { AbuseConfig } from '../src/reports/config.js';
import { IndicatorLists } from '../src/reports/indicators.js';
import { ReporterReplier } from '../src/reports/replies.js';
import { RuleSet } from '../src/sources/rules.js';

/** What the abuse-mailbox activities need, built once by the worker. */
export interface AbuseDeps {
  config: AbuseConfig;
  providers: ProviderRegistry;
  indicators: IndicatorLists;
  taskQueue: string;
  incidentsFor(client: Client): IncidentClient;
  /** The policy the abuse mailbox's rules give a malicious report's alert. */
  policyFor(abuseMailbox: string, alert: Alert): Policy;
  /** Absent: reporters are not answered. */
  replier?: ReporterReplier;
}

/** The worker's abuse deps: indicator files read and reply templates compiled now, so bad ones stop it at start. */
export async function abuseDepsFor(config: Config, providers: ProviderRegistry, channels: ChannelRegistry): Promise<AbuseDeps> {
  // Reports are what users forward, so a malicious one waits for an admin unless the mailbox says `auto`.
  const rules = new Map(config.abuse.mailboxes.map((m) => [m.id, RuleSet.fromConfig(m, 'approval')]));
  return {
    config: config.abuse,
    providers,
    indicators: await IndicatorLists.open(config.abuse.verdict.indicators, process.cwd()),
    taskQueue: config.temporal.taskQueue,
    incidentsFor: IncidentClient.perClient(config),
    // The activities refuse a mailbox that is not configured before they ask.
    policyFor: (abuseMailbox, alert) => rules.get(abuseMailbox)!.decide(alert).policy,
    ...(config.abuse.replies ? { replier: await ReporterReplier.open(config.abuse.replies, channels) } : {}),
  };
}
