import { z } from 'zod';
import { Alert } from './alert.js';
import { MailboxRef, PullRecord, QuarantineAction } from './mail.js';
import { NotificationRecord } from './notification.js';

export const IncidentStatus = z.enum([
  'awaiting-approval',
  'pulling',
  'contained',
  'partially-contained',
  'recorded',
  'failed',
  'undoing',
  'undone',
]);
export type IncidentStatus = z.infer<typeof IncidentStatus>;

/** auto: pull now; approval: hold until an admin approves; record: search and report only. */
export const Policy = z.enum(['auto', 'approval', 'record']);
export type Policy = z.infer<typeof Policy>;

/** The policy that moves least of several that apply (a source's and the tenants' it reaches). */
export function strictestPolicy(policies: Policy[]): Policy {
  if (policies.includes('record')) return 'record';
  return policies.includes('approval') ? 'approval' : 'auto';
}

/** What turns an `auto` incident into one that waits for an admin: a blast radius over these. */
export const ApprovalThresholds = z
  .object({
    /** More mailboxes than this hold a copy. */
    mailboxesAbove: z.number().int().min(1).optional(),
    /** Any copy in one of these mailboxes (primary addresses). */
    vipMailboxes: z.array(z.email().toLowerCase()).default([]),
    /** Any copy in a shared mailbox. */
    sharedMailboxes: z.boolean().default(false),
  })
  .strict();
export type ApprovalThresholds = z.infer<typeof ApprovalThresholds>;

export const IncidentOptions = z.object({
  quarantineAction: QuarantineAction.default('quarantine-folder'),
  maxForwardDepth: z.number().int().min(0).max(10).default(3),
  /** How long an `approval` incident waits before it gives up; 0 = forever. */
  approvalTimeoutMs: z.number().int().min(0).default(0),
  /** How long the incident stays open for undo and merged alerts after the pull. */
  holdOpenMs: z.number().int().min(0).default(7 * 24 * 3600 * 1000),
  /** Mailboxes searched per activity call. */
  mailboxBatchSize: z.number().int().min(1).max(1000).default(50),
  /** List members per expansion answer: a list of any size arrives in pages under Temporal's 512 KB payload warning. */
  listPageSize: z.number().int().min(10).max(10_000).default(4000),
  approvalWhen: ApprovalThresholds.default({ vipMailboxes: [], sharedMailboxes: false }),
  /** Mailboxes Clawback never searches or touches (primary addresses); listed as residual exposure. */
  excludedMailboxes: z.array(z.email().toLowerCase()).default([]),
  /**
   * After the pull, the mailboxes in scope are searched again every `sweepEveryMs` for
   * `watchMs` (mail queued or retried upstream arrives late); what turns up is pulled.
   * watchMs 0 = no sweeps.
   */
  lateCopies: z
    .object({
      watchMs: z.number().int().min(0).default(6 * 3600 * 1000),
      sweepEveryMs: z.number().int().min(1000).default(15 * 60 * 1000),
    })
    .strict()
    .default({ watchMs: 6 * 3600 * 1000, sweepEveryMs: 15 * 60 * 1000 }),
  /**
   * An open incident moves to a new run (continue-as-new, its state carried over) when Temporal
   * suggests it, or once its history holds this many events.
   */
  continueAsNewAfterEvents: z.number().int().min(20).optional(),
  /** The most mailboxes one incident searches; the rest are residual exposure, and the incident is not `contained`. */
  maxMailboxes: z.number().int().min(1).default(100_000),
});
export type IncidentOptions = z.infer<typeof IncidentOptions>;

export const IncidentInput = z.object({
  incidentId: z.string(),
  alert: Alert,
  alertKey: z.string(),
  source: z.string(),
  policy: Policy,
  options: IncidentOptions,
  /** Where the API shows this incident, for links in the Temporal UI's details. */
  links: z.object({ incident: z.string(), graph: z.string() }).optional(),
});
export type IncidentInput = z.infer<typeof IncidentInput>;

/** How a copy reached its mailbox: addressed directly, through a list, or forwarded. */
export const Provenance = z.object({
  via: z.enum(['direct', 'list', 'forward']),
  /** The list address, or the forwarder's address. */
  through: z.string().optional(),
  depth: z.number().int(),
});
export type Provenance = z.infer<typeof Provenance>;

export const CopyStatus = z.enum(['found', 'recorded', 'pulled', 'gone', 'failed', 'restored', 'missing', 'restore-failed']);

export const CopyState = z.object({
  key: z.string(),
  mailbox: MailboxRef,
  messageId: z.string(),
  folderPath: z.string(),
  isRead: z.boolean(),
  provenance: Provenance,
  status: CopyStatus,
  record: PullRecord.optional(),
  detail: z.string().optional(),
});
export type CopyState = z.infer<typeof CopyState>;

export const ForwardEdge = z.object({
  from: z.string(),
  messageId: z.string(),
  recipients: z.array(z.string()),
  depth: z.number().int(),
});
export type ForwardEdge = z.infer<typeof ForwardEdge>;

export const ResidualExposure = z.object({
  address: z.string(),
  reason: z.enum(['external', 'unknown-recipient', 'excluded', 'over-scope-limit', 'provider-failure', 'provider-limit', 'gone-before-pull', 'undone']),
  detail: z.string().optional(),
});
export type ResidualExposure = z.infer<typeof ResidualExposure>;

/** Where a copy went, for the audit entries of provider mutations. */
export const QUARANTINE_DESTINATION: Record<QuarantineAction, string> = {
  'quarantine-folder': 'quarantine folder',
  'quarantine-mailbox': 'quarantine folder (evidence copy in the quarantine mailbox)',
  'soft-delete': 'Recoverable Items',
  junk: 'Junk Email',
};

export const AuditEntry = z.object({
  at: z.string(),
  actor: z.string().describe('source:<id>, admin:<id>, or policy'),
  action: z.enum(['alert', 'merge', 'search', 'escalate', 'quarantine', 'folder-create', 'approve', 'undo', 'restore', 'repull', 'notify']),
  target: z.string(),
  detail: z.string(),
  /**
   * Provider mutations only: the mailbox and item touched, from where to where, and how it went.
   * A `folder-create` names the folder made as the item and its path as `to`.
   */
  mailbox: z.string().optional(),
  itemId: z.string().optional(),
  newItemId: z.string().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  result: z.string().optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const IncidentState = z.object({
  incidentId: z.string(),
  status: IncidentStatus,
  policy: Policy,
  messageId: z.string(),
  sender: z.string(),
  subject: z.string().optional(),
  sources: z.array(z.string()),
  alertKeys: z.array(z.string()),
  recipients: z.array(z.string()),
  counts: z.object({
    recipients: z.number().int(),
    mailboxesSearched: z.number().int(),
    copiesFound: z.number().int(),
    copiesPulled: z.number().int(),
    copiesRestored: z.number().int(),
    forwards: z.number().int(),
    residual: z.number().int(),
  }),
  copies: z.array(CopyState),
  forwards: z.array(ForwardEdge),
  residualExposure: z.array(ResidualExposure),
  audit: z.array(AuditEntry),
  /** Every notification sent (event × channel), with failures after retries, re-sendable by `n`; absent on incidents older than channels. */
  notifications: z.array(NotificationRecord).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type IncidentState = z.infer<typeof IncidentState>;

/** A slice of one of the incident's long lists. */
export const ListPage = z.object({ offset: z.number().int().min(0), limit: z.number().int().min(1), total: z.number().int().min(0) });

/** Which slices of the copies and the audit trail a reader wants; a 10,000-mailbox incident is read page by page. */
export const StateView = z
  .object({
    copiesOffset: z.coerce.number().int().min(0).default(0),
    copiesLimit: z.coerce.number().int().min(1).max(5000).default(1000),
    auditOffset: z.coerce.number().int().min(0).default(0),
    auditLimit: z.coerce.number().int().min(1).max(5000).default(1000),
  })
  .strict();
export type StateView = z.infer<typeof StateView>;

/** The incident as readers get it: everything, with `copies` and `audit` cut to the requested pages. */
export const IncidentStateView = IncidentState.extend({ pages: z.object({ copies: ListPage, audit: ListPage }) });
export type IncidentStateView = z.infer<typeof IncidentStateView>;

/** What the workflow returns when it ends: small, whatever the campaign's size (the rest stays queryable). */
export const IncidentOutcome = IncidentState.pick({ incidentId: true, status: true, counts: true });
export type IncidentOutcome = z.infer<typeof IncidentOutcome>;

export const ApproveRequest = z.object({ reason: z.string().max(2000).optional() }).strict();
const MailboxSelection = z
  .array(z.email().toLowerCase())
  .min(1)
  .max(50_000)
  .optional()
  .describe('primary addresses of the mailboxes to act on; absent = every mailbox of the incident');

export const UndoRequest = z.object({ reason: z.string().max(2000).optional(), mailboxes: MailboxSelection }).strict();
/** Pulls again what an undo put back; after an undo nothing is pulled without one. */
export const RepullRequest = z.object({ reason: z.string().max(2000).optional(), mailboxes: MailboxSelection }).strict();
