import { z } from 'zod';
import { ConfigId } from '../config/id.js';
import { Policy } from '../domain/incident.js';
import { Disposition } from '../domain/report.js';
import { MatchRule } from '../sources/rules.js';
import { MailTemplates } from '../notify/config.js';
import { VerdictSettings } from './verdict.js';

const FolderPath = z
  .string()
  .trim()
  .min(1)
  .refine((path) => path.split('/').every((segment) => segment.trim().length > 0), 'a folder path like "Clawback/Processed" (no empty segments)');

/** One mailbox users forward suspicious mail to; its id is the source incidents name. */
export const AbuseMailboxConfig = z
  .object({
    id: ConfigId,
    address: z.email().toLowerCase(),
    /** Where new reports arrive. */
    folder: FolderPath.default('inbox'),
    /** Where a handled report goes: never deleted. */
    processedFolder: FolderPath.default('Clawback/Processed'),
    /** Where a report goes when its original could not be recovered, for an analyst. */
    reviewFolder: FolderPath.default('Clawback/Needs review'),
    intervalMs: z.number().int().min(5_000).max(24 * 3600_000).default(60_000),
    /** Reports one poll starts; the rest wait for the next poll. */
    batchSize: z.number().int().min(1).max(1000).default(100),
    /** One rule for every malicious report (default `approval`: an admin approves the pull), or ordered rules as for alert sources. */
    policy: Policy.optional(),
    rules: z.array(MatchRule).min(1).optional(),
  })
  .strict()
  .superRefine((mailbox, ctx) => {
    if (mailbox.policy && mailbox.rules) ctx.addIssue({ code: 'custom', path: ['policy'], message: 'give either policy or rules, not both' });
    const folders = [mailbox.folder, mailbox.processedFolder, mailbox.reviewFolder].map((f) => f.toLowerCase());
    if (new Set(folders).size < 3) ctx.addIssue({ code: 'custom', path: ['processedFolder'], message: 'folder, processedFolder and reviewFolder must differ' });
  });
export type AbuseMailboxConfig = z.infer<typeof AbuseMailboxConfig>;

/** The reply each reporter gets, through an email channel, per disposition of what they reported. */
export const ReporterReplies = z
  .object({
    /** An email channel of `notifications.channels`: its SMTP server and From address. */
    channel: ConfigId,
    templates: z.partialRecord(Disposition, MailTemplates).default({}),
  })
  .strict();
export type ReporterReplies = z.infer<typeof ReporterReplies>;

export const AbuseConfig = z
  .object({
    mailboxes: z.array(AbuseMailboxConfig).default([]),
    verdict: VerdictSettings.default(VerdictSettings.parse({})),
    /** Reports of one message count towards the reporters threshold while they are this close together. */
    reportersWindowMs: z.number().int().min(60_000).default(7 * 24 * 3600_000),
    replies: ReporterReplies.optional(),
  })
  .strict()
  .superRefine((abuse, ctx) => {
    abuse.mailboxes.forEach((mailbox, i) => {
      const other = abuse.mailboxes.findIndex((m) => m.id === mailbox.id || m.address === mailbox.address);
      if (other !== i) ctx.addIssue({ code: 'custom', path: ['mailboxes', i], message: `abuse mailbox ${mailbox.id} (${mailbox.address}) is configured twice` });
    });
  });
export type AbuseConfig = z.infer<typeof AbuseConfig>;
export type AbuseConfigInput = z.input<typeof AbuseConfig>;
