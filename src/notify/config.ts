import { z } from 'zod';
import { ConfigId } from '../config/id.js';
import { ThreatClassification } from '../domain/alert.js';
import { IncidentEventType } from '../domain/events.js';
import { Secret } from '../config/secret.js';

/** A template users edit: written in the config, or a file (relative to the config file). */
export const TemplateSource = z.union([z.string(), z.object({ file: z.string().min(1) }).strict()]);
export type TemplateSource = z.infer<typeof TemplateSource>;

/** Which events of which incidents a channel wants; every listed condition must hold. */
export const ChannelFilter = z
  .object({
    /** Only incidents with an alert from one of these sources. */
    sources: z.array(z.string().min(1)).min(1).optional(),
    /** Only these threat classifications. */
    classifications: z.array(ThreatClassification).min(1).optional(),
    /** Only alerts whose score is at least this (alerts without a score pass). */
    minScore: z.number().min(0).max(100).optional(),
  })
  .strict();
export type ChannelFilter = z.infer<typeof ChannelFilter>;

/** Each channel retries on its own: a slow ticketing system never delays the others. */
export const ChannelRetry = z
  .object({
    maximumAttempts: z.number().int().min(1).max(100).default(8),
    initialIntervalMs: z.number().int().min(100).default(5_000),
    maximumIntervalMs: z.number().int().min(100).default(10 * 60_000),
  })
  .strict();
export type ChannelRetry = z.infer<typeof ChannelRetry>;

const channelBase = {
  id: ConfigId,
  events: z.array(IncidentEventType).min(1),
  filter: ChannelFilter.default({}),
  retry: ChannelRetry.default({ maximumAttempts: 8, initialIntervalMs: 5_000, maximumIntervalMs: 10 * 60_000 }),
};

export const MailTemplates = z
  .object({ subject: TemplateSource.optional(), text: TemplateSource.optional(), html: TemplateSource.optional() })
  .strict();
export type MailTemplates = z.infer<typeof MailTemplates>;

export const SmtpSettings = z
  .object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(587),
    /** TLS from the first byte (port 465); otherwise STARTTLS, which `requireTls` insists on. */
    secure: z.boolean().default(false),
    requireTls: z.boolean().default(true),
    auth: z.object({ user: z.string().min(1), pass: Secret }).strict().optional(),
    /** Extra CA (PEM) the server's certificate is checked against. */
    caFile: z.string().optional(),
  })
  .strict();
export type SmtpSettings = z.infer<typeof SmtpSettings>;

export const EmailChannelConfig = z
  .object({
    ...channelBase,
    /** Empty: a channel that only answers reporters of the abuse mailboxes. */
    events: z.array(IncidentEventType).default([]),
    type: z.literal('email'),
    smtp: SmtpSettings,
    from: z.email(),
    /** Analyst lists; may be empty when only mailbox owners are told. */
    to: z.array(z.email()).default([]),
    templates: MailTemplates.default({}),
    /** One mail to each owner of a mailbox a copy was pulled from, on the events that report pulls. */
    owners: z.object({ enabled: z.boolean().default(true), templates: MailTemplates.default({}) }).strict().optional(),
  })
  .strict();
export type EmailChannelConfig = z.infer<typeof EmailChannelConfig>;

/** Ready-made bodies for common receivers; `generic` is the event itself. */
export const WebhookFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('generic') }).strict(),
  z.object({ type: z.literal('slack'), text: TemplateSource.optional() }).strict(),
  z.object({ type: z.literal('teams'), title: TemplateSource.optional(), text: TemplateSource.optional() }).strict(),
  z
    .object({
      type: z.literal('jira'),
      projectKey: z.string().min(1),
      issueType: z.string().min(1).default('Task'),
      labels: z.array(z.string().regex(/^\S+$/, 'a Jira label has no spaces')).default(['clawback']),
      summary: TemplateSource.optional(),
      description: TemplateSource.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('servicenow'),
      shortDescription: TemplateSource.optional(),
      description: TemplateSource.optional(),
      /** Table API fields set as given (e.g. urgency, impact, category, assignment_group). */
      fields: z.record(z.string(), z.string()).default({}),
    })
    .strict(),
]);
export type WebhookFormat = z.infer<typeof WebhookFormat>;

export const WebhookAuth = z.discriminatedUnion('type', [
  z.object({ type: z.literal('bearer'), token: Secret }).strict(),
  z.object({ type: z.literal('basic'), username: z.string().min(1), password: Secret }).strict(),
]);
export type WebhookAuth = z.infer<typeof WebhookAuth>;

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/;

/** Why a webhook URL is refused, if it is: https only, or plain http to loopback when explicitly allowed. */
export function webhookUrlProblem(url: string, allowInsecureLoopback: boolean): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (parsed.protocol === 'https:') return undefined;
  if (parsed.protocol === 'http:' && allowInsecureLoopback && LOOPBACK.test(parsed.hostname)) return undefined;
  return allowInsecureLoopback ? 'allowInsecureLoopback permits plain http to a loopback address only' : 'webhooks are sent over https only';
}

export const WebhookChannelConfig = z
  .object({
    ...channelBase,
    type: z.literal('webhook'),
    /** The URL, or where to read it: chat webhook URLs carry their token in the path. */
    url: z.union([z.url(), z.object({ env: z.string().min(1) }).strict(), z.object({ file: z.string().min(1) }).strict()]),
    format: WebhookFormat.default({ type: 'generic' }),
    /** Signs every body (HMAC-SHA256, `Clawback-Signature`). */
    secret: Secret.optional(),
    auth: WebhookAuth.optional(),
    /** Extra CA (PEM) the receiver's certificate is checked against. */
    caFile: z.string().optional(),
    /** Plain http to a loopback address, for tests only. */
    allowInsecureLoopback: z.boolean().default(false),
  })
  .strict()
  .superRefine((channel, ctx) => {
    const problem = typeof channel.url === 'string' ? webhookUrlProblem(channel.url, channel.allowInsecureLoopback) : undefined;
    if (problem) ctx.addIssue({ code: 'custom', path: ['url'], message: problem });
  });
export type WebhookChannelConfig = z.infer<typeof WebhookChannelConfig>;

export const ChannelConfig = z.discriminatedUnion('type', [EmailChannelConfig, WebhookChannelConfig]);
export type ChannelConfig = z.infer<typeof ChannelConfig>;

export const NotificationsConfig = z
  .object({ channels: z.array(ChannelConfig).default([]) })
  .strict()
  .superRefine(({ channels }, ctx) => {
    channels.forEach((channel, i) => {
      if (channels.findIndex((other) => other.id === channel.id) !== i) {
        ctx.addIssue({ code: 'custom', path: ['channels', i, 'id'], message: `channel id ${channel.id} is used twice` });
      }
      if (channel.type === 'email' && channel.events.length > 0 && channel.to.length === 0 && !channel.owners?.enabled) {
        ctx.addIssue({ code: 'custom', path: ['channels', i, 'to'], message: 'an email channel needs analyst addresses or owner mails' });
      }
    });
  });
export type NotificationsConfig = z.infer<typeof NotificationsConfig>;
export type NotificationsConfigInput = z.input<typeof NotificationsConfig>;
