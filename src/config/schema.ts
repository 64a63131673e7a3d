import { z } from 'zod';
import { ConfigId } from './id.js';
import { AlertFormat } from '../domain/alert.js';
import { IncidentOptions, Policy } from '../domain/incident.js';
import { MatchRule } from '../sources/rules.js';
import { TapPollerConfig } from '../sources/tap-poller-config.js';
import { DEFAULT_QUARANTINE_FOLDER, QuarantineSettings } from '../domain/quarantine.js';
import { EwsProviderConfig } from '../providers/ews/config.js';
import { GmailProviderConfig } from '../providers/gmail/config.js';
import { GraphProviderConfig } from '../providers/graph/config.js';
import { NotificationsConfig } from '../notify/config.js';
import { AbuseConfig } from '../reports/config.js';

/**
 * A credential in config: an environment variable's name, a SHA-256 digest of the key (so the
 * file itself holds no usable secret), or, for demos, the key itself.
 */
export const KeySecret = z.union([
  z.object({ env: z.string().min(1) }).strict(),
  z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits') }).strict(),
  z.string().min(8, 'a key has at least 8 characters'),
]);
export type KeySecret = z.infer<typeof KeySecret>;


export const SimulatedProviderConfig = z
  .object({
    type: z.literal('simulated'),
    /** Scenario JSON file; absent = the built-in demo tenant. */
    scenario: z.string().optional(),
    /** Where the simulated mailboxes persist between runs; absent = in memory only. */
    stateFile: z.string().optional(),
    delaysMs: z.partialRecord(z.enum(['resolve', 'expandGroup', 'findCopies', 'findForwards', 'move']), z.number().int().min(0)).optional(),
  })
  .strict();

export const TenantConfig = z
  .object({
    id: ConfigId,
    /** Recipient domains routed to this tenant. */
    domains: z.array(z.string().min(1).toLowerCase()).min(1),
    provider: z.discriminatedUnion('type', [SimulatedProviderConfig, GraphProviderConfig, GmailProviderConfig, EwsProviderConfig]),
    quarantine: QuarantineSettings.default({ folderName: DEFAULT_QUARANTINE_FOLDER }),
    /** Applies to alerts reaching this tenant's domains when it is stricter than the source's policy. */
    policy: Policy.optional(),
  })
  .strict();
export type TenantConfig = z.infer<typeof TenantConfig>;

export const SourceConfig = z
  .object({
    id: ConfigId,
    /** The format the source sends, and so the route it posts to (`clawback`: `POST /v1/alerts`). */
    type: AlertFormat.default('clawback'),
    /** `tap` only: poll the SIEM API on a schedule (see README, Proofpoint TAP). */
    poll: TapPollerConfig.optional(),
    key: KeySecret,
    /** `trap` only: the long random id in `/threat/json_event/events/<routeId>`, the credential of SOAR connectors that send no header. */
    routeId: KeySecret.optional(),
    /** One rule that matches every alert; kept for configs written before `rules`. */
    policy: Policy.optional(),
    /** Ordered: the first whose conditions hold decides the policy; none = `record`. */
    rules: z.array(MatchRule).min(1).optional(),
    /** A token bucket per source: sustained requests per second and the burst above it. */
    rateLimit: z
      .object({ perSecond: z.number().positive().max(100_000), burst: z.number().int().min(1).max(1_000_000) })
      .strict()
      .default({ perSecond: 50, burst: 200 }),
  })
  .strict()
  .superRefine((source, ctx) => {
    if (source.policy && source.rules) ctx.addIssue({ code: 'custom', path: ['policy'], message: 'give either policy (one rule for every alert) or rules, not both' });
    if (source.routeId && source.type !== 'trap') ctx.addIssue({ code: 'custom', path: ['routeId'], message: 'only a trap source has a route id' });
    if (source.poll && source.type !== 'tap') ctx.addIssue({ code: 'custom', path: ['poll'], message: `only a tap source polls; this source's type is ${source.type}` });
    const ids = (source.rules ?? []).map((rule) => rule.id);
    const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
    if (duplicate) ctx.addIssue({ code: 'custom', path: ['rules'], message: `rule id ${duplicate} is used twice` });
  });
export type SourceConfig = z.infer<typeof SourceConfig>;

export const AdminConfig = z.object({ id: ConfigId, key: KeySecret }).strict();

export const Config = z
  .object({
    tenants: z.array(TenantConfig).min(1),
    sources: z.array(SourceConfig).min(1),
    admins: z.array(AdminConfig).default([]),
    incident: IncidentOptions.partial().default({}),
    api: z
      .object({
        bodyLimitBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
        /** Base URL of the Temporal Web UI, for links in incident state and notifications. */
        temporalUiUrl: z.string().url().default('http://localhost:8233'),
        /** Base URL analysts reach this API at, for links from the Temporal UI (forward graph). */
        publicUrl: z.string().url().default('http://localhost:8080'),
      })
      .strict()
      .default({ bodyLimitBytes: 1024 * 1024, temporalUiUrl: 'http://localhost:8233', publicUrl: 'http://localhost:8080' }),
    temporal: z.object({ taskQueue: z.string().min(1).default('clawback') }).strict().default({ taskQueue: 'clawback' }),
    worker: z
      .object({
        /** Mailboxes one activity works on at once; providers limit per mailbox, not across them. */
        mailboxConcurrency: z.number().int().min(1).max(64).default(8),
      })
      .strict()
      .default({ mailboxConcurrency: 8 }),
    /** Email and webhook channels for incident events; the event log is always written. */
    notifications: NotificationsConfig.default({ channels: [] }),
    /** Abuse mailboxes users report suspicious mail to, and how reports are judged and answered. */
    abuse: AbuseConfig.default(AbuseConfig.parse({})),
  })
  .strict()
  .superRefine((config, ctx) => {
    const domains = new Map<string, string>();
    config.tenants.forEach((tenant, i) => {
      for (const domain of tenant.domains) {
        const owner = domains.get(domain);
        if (owner) ctx.addIssue({ code: 'custom', path: ['tenants', i, 'domains'], message: `domain ${domain} is already routed to tenant ${owner}` });
        domains.set(domain, tenant.id);
      }
    });
    if (config.incident.quarantineAction === 'quarantine-mailbox') {
      config.tenants.forEach((tenant, i) => {
        if (!tenant.quarantine.mailbox) {
          ctx.addIssue({ code: 'custom', path: ['tenants', i, 'quarantine', 'mailbox'], message: 'quarantine-mailbox needs the address of the quarantine mailbox' });
        }
      });
    }
    config.abuse.mailboxes.forEach((mailbox, i) => {
      if (!domains.has(mailbox.address.slice(mailbox.address.lastIndexOf('@') + 1))) {
        ctx.addIssue({ code: 'custom', path: ['abuse', 'mailboxes', i, 'address'], message: `${mailbox.address} is in no configured tenant's domains` });
      }
    });
    const replies = config.abuse.replies;
    if (replies && config.notifications.channels.find((channel) => channel.id === replies.channel)?.type !== 'email') {
      ctx.addIssue({ code: 'custom', path: ['abuse', 'replies', 'channel'], message: `no email channel ${replies.channel} in notifications.channels` });
    }
    config.notifications.channels.forEach((channel, i) => {
      // An email channel without events only answers reporters; one that answers nobody is a mistake.
      if (channel.type === 'email' && channel.events.length === 0 && replies?.channel !== channel.id) {
        ctx.addIssue({ code: 'custom', path: ['notifications', 'channels', i, 'events'], message: `channel ${channel.id} has no events and answers no reporters (abuse.replies.channel)` });
      }
    });
    const ids = [...config.sources.map((s) => s.id), ...config.admins.map((a) => a.id), ...config.abuse.mailboxes.map((m) => m.id)];
    const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
    if (duplicate) ctx.addIssue({ code: 'custom', path: ['sources'], message: `id ${duplicate} is used twice among sources, admins and abuse mailboxes` });
  });

export type Config = z.infer<typeof Config>;
export type ConfigInput = z.input<typeof Config>;
