import type {
  Forward,
  MailboxRef,
  MessageCopy,
  MessageQuery,
  PullRecord,
  PullResult,
  QuarantineAction,
  RestoreResult,
} from '../src/domain/mail.js';
import { copyKey, mailboxKey } from '../src/domain/mail.js';
import { ProviderError, PERMANENT_PROVIDER_ERRORS } from '../src/providers/errors.js';
import type { ProviderRegistry } from '../src/providers/registry.js';
import { incidentLog } from '../src/log.js';
import { describeFailure, toActivityFailure } from './failures.js';
import { eachWithProgress, MAILBOX_CONCURRENCY } from './progress.js';

export interface SearchMailboxesInput {
  incidentId: string;
  mailboxes: MailboxRef[];
  query: MessageQuery;
}

/** A mailbox the provider refused for good (gone, no permission): reported, not retried. */
export interface MailboxFailure {
  mailbox: MailboxRef;
  detail: string;
}

export interface SearchMailboxesResult {
  copies: MessageCopy[];
  failures: MailboxFailure[];
}

export interface FollowForwardsInput {
  incidentId: string;
  copies: MessageCopy[];
}

export interface FollowForwardsResult {
  forwards: Forward[];
  failures: MailboxFailure[];
}

export interface QuarantineCopiesInput {
  incidentId: string;
  copies: MessageCopy[];
  action: QuarantineAction;
}

/** A provider result tagged with the copy it is about (item ids are only unique per mailbox). */
export interface CopyOutcome<R> {
  copyKey: string;
  result: R;
}

export interface RestoreCopiesInput {
  incidentId: string;
  records: PullRecord[];
}

type MailboxOutcome<T> = { ok: T } | { failure: MailboxFailure };

function isPermanent(error: unknown): boolean {
  return error instanceof ProviderError && (PERMANENT_PROVIDER_ERRORS as readonly string[]).includes(error.type);
}

/** Permanent errors become a per-mailbox failure; anything else fails the attempt so Temporal retries it. */
async function perMailbox<T>(mailbox: MailboxRef, call: () => Promise<T>): Promise<MailboxOutcome<T>> {
  try {
    return { ok: await call() };
  } catch (error) {
    if (isPermanent(error)) return { failure: { mailbox, detail: describeFailure(error) } };
    throw toActivityFailure(error);
  }
}

function byMailbox<T extends { mailbox: MailboxRef }>(items: T[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = mailboxKey(item.mailbox);
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return [...groups.values()];
}

export function createMailboxActivities(providers: ProviderRegistry, concurrency = MAILBOX_CONCURRENCY) {
  const each = <G, R>(groups: G[], step: (group: G) => Promise<R[]>) => eachWithProgress(groups, step, concurrency);
  return {
    /** Every copy of the message in every folder of each mailbox. */
    async searchMailboxes({ incidentId, mailboxes, query }: SearchMailboxesInput): Promise<SearchMailboxesResult> {
      const outcomes = await each(mailboxes.map((m) => [m]), async ([mailbox]) => [
        await perMailbox(mailbox!, () => providers.forTenant(mailbox!.tenantId).findCopies(mailbox!, query)),
      ]);
      const result = collect(outcomes);
      incidentLog(incidentId).info(
        { event: 'search', mailboxes: mailboxes.length, copies: result.ok.length, failures: result.failures.length },
        'searched mailboxes',
      );
      return { copies: result.ok, failures: result.failures };
    },

    /** Internal forwards of the found copies, from their mailboxes' sent mail. */
    async followForwards({ copies }: FollowForwardsInput): Promise<FollowForwardsResult> {
      const outcomes = await each(copies.map((c) => [c]), async ([copy]) => [
        await perMailbox(copy!.mailbox, () => providers.forTenant(copy!.mailbox.tenantId).findForwards(copy!.mailbox, copy!)),
      ]);
      const result = collect(outcomes);
      return { forwards: result.ok, failures: result.failures };
    },

    /** Moves copies out of the users' reach, one provider call per mailbox. */
    async quarantineCopies({ incidentId, copies, action }: QuarantineCopiesInput): Promise<CopyOutcome<PullResult>[]> {
      const log = incidentLog(incidentId);
      return each(byMailbox(copies), async (group) => {
        const mailbox = group[0]!.mailbox;
        const outcome = await perMailbox(mailbox, () =>
          providers.forTenant(mailbox.tenantId).quarantine(group, action, incidentId),
        );
        const results: PullResult[] =
          'ok' in outcome
            ? outcome.ok
            : group.map((copy) => ({ outcome: 'failed' as const, itemId: copy.itemId, detail: outcome.failure.detail }));
        for (const result of results) {
          log.info({ event: 'quarantine', mailbox: mailbox.address, itemId: result.itemId, outcome: result.outcome, action }, 'quarantine');
        }
        return results.map((result) => ({ copyKey: copyKey({ mailbox, itemId: result.itemId }), result }));
      });
    },

    /** Puts pulled copies back where they were; a copy removed meanwhile is reported as gone. */
    async restoreCopies({ incidentId, records }: RestoreCopiesInput): Promise<CopyOutcome<RestoreResult>[]> {
      const log = incidentLog(incidentId);
      const groups = byMailbox(records.map((record) => ({ mailbox: record.copy.mailbox, record })));
      return each(groups, async (group) => {
        const mailbox = group[0]!.mailbox;
        const outcome = await perMailbox(mailbox, () =>
          providers.forTenant(mailbox.tenantId).restore(group.map((g) => g.record)),
        );
        const results: RestoreResult[] =
          'ok' in outcome
            ? outcome.ok
            : group.map(({ record }) => ({ outcome: 'failed' as const, itemId: record.copy.itemId, detail: outcome.failure.detail }));
        for (const result of results) {
          log.info({ event: 'restore', mailbox: mailbox.address, itemId: result.itemId, outcome: result.outcome }, 'restore');
        }
        return results.map((result) => ({ copyKey: copyKey({ mailbox, itemId: result.itemId }), result }));
      });
    },
  };
}

function collect<T>(outcomes: MailboxOutcome<T[]>[]): { ok: T[]; failures: MailboxFailure[] } {
  const ok: T[] = [];
  const failures: MailboxFailure[] = [];
  for (const outcome of outcomes) {
    if ('ok' in outcome) ok.push(...outcome.ok);
    else failures.push(outcome.failure);
  }
  return { ok, failures };
}
