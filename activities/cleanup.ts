import { Context, sleep } from '@temporalio/activity';
import pLimit from 'p-limit';
import { MAX_ALERT_RECIPIENTS, type Alert } from '../src/domain/alert.js';
import { isInvalid, type ImportedRow } from '../src/sources/csv.js';
import type { ProviderRegistry } from '../src/providers/registry.js';
import { emptyCounts, incidentSettled, invalidResult, rowResult, unmatchedRecipients, type ImportCounts, type RowResult, type Submission } from '../src/sources/csv-results.js';
import { requireIntake, type IntakeDeps } from './intake.js';

export interface ImportChunkInput {
  importId: string;
  /** Index of the chunk, and its byte offset in the spool. */
  chunk: number;
  offset: number;
  source: string;
}

export interface SubmittedChunk {
  rows: number;
  messages: number;
  started: number;
  merged: number;
}

export interface SettleChunkInput {
  importId: string;
  chunk: number;
  offset: number;
  /** How long to wait for the chunk's incidents to finish pulling before reporting them `pending`. */
  waitMs: number;
}

/** Incidents a chunk talks to at once. */
const CONCURRENCY = 16;
const POLL_MS = 1000;

export function createCleanupActivities(deps: IntakeDeps | undefined, providers: ProviderRegistry) {
  const need = () => requireIntake(deps);
  const incidents = () => need().incidentsFor(Context.current().client);

  return {
    /**
     * Groups a chunk's valid rows by Message-ID and starts or merges one incident per message.
     * A retry sends the same alert ids, which the incidents recognise, so nothing is pulled twice.
     */
    async submitImportChunk({ importId, chunk, offset, source }: ImportChunkInput): Promise<SubmittedChunk> {
      const { store, policyFor } = need();
      const rows = await store.readChunk(importId, offset);
      const groups = groupByMessage(rows.filter((row): row is ImportedRow => !isInvalid(row)));
      const client = incidents();
      const submissions: Record<string, Submission> = {};
      const limit = pLimit(CONCURRENCY);
      await Promise.all(
        [...groups.values()].flatMap((alerts) =>
          alerts.map((alert, part) =>
            limit(async () => {
              const at = new Date().toISOString();
              const { incidentId, status } = await client.submitAlert({ ...alert, alertId: `import-${importId}-${chunk}-${part}` }, source, policyFor(source, alert));
              const earlier = submissions[alert.messageId];
              // A message split over several alerts counts as started if any part started it.
              submissions[alert.messageId] = { incidentId, status: earlier?.status === 'started' ? 'started' : status, at: earlier?.at ?? at };
              Context.current().heartbeat();
            }),
          ),
        ),
      );
      await store.saveJson(importId, submittedFile(chunk), submissions);
      const statuses = Object.values(submissions);
      return {
        rows: rows.length,
        messages: statuses.length,
        started: statuses.filter((s) => s.status === 'started').length,
        merged: statuses.filter((s) => s.status === 'merged').length,
      };
    },

    /** Waits for the chunk's incidents to settle, then writes a result for every row of it. */
    async settleImportChunk({ importId, chunk, offset, waitMs }: SettleChunkInput): Promise<ImportCounts> {
      const { store } = need();
      const rows = await store.readChunk(importId, offset);
      const submissions = await store.loadJson<Record<string, Submission>>(importId, submittedFile(chunk));
      const client = incidents();
      const deadline = Date.now() + waitMs;
      const limit = pLimit(CONCURRENCY);
      const states = new Map(
        await Promise.all(
          Object.entries(submissions).map(([messageId, submission]) =>
            limit(async () => {
              let state = await client.summary(submission.incidentId);
              while (!incidentSettled(state) && Date.now() < deadline) {
                Context.current().heartbeat();
                await sleep(POLL_MS);
                state = await client.summary(submission.incidentId);
              }
              return [messageId, await client.fullState(submission.incidentId)] as const;
            }),
          ),
        ),
      );
      const aliases = new Set(
        rows.flatMap((row) => {
          const state = isInvalid(row) ? undefined : states.get(row.alert.messageId);
          return state && !isInvalid(row) ? unmatchedRecipients(row, state) : [];
        }),
      );
      const primaryOf = await primaryAddresses(providers, [...aliases]);
      const results: RowResult[] = rows.map((row) => {
        if (isInvalid(row)) return invalidResult(row);
        const state = states.get(row.alert.messageId);
        const submission = submissions[row.alert.messageId];
        return state && submission ? rowResult(row, state, submission, primaryOf) : { row: row.row, status: 'pending', messageId: row.alert.messageId, reason: 'never submitted' };
      });
      results.sort((a, b) => a.row - b.row);
      await store.saveResults(importId, chunk, results);
      const counts = emptyCounts();
      for (const result of results) counts[result.status]++;
      return counts;
    },
  };
}

/** The mailbox (primary address) of each address that is an alias, from its provider; lists and unknowns are left out. */
async function primaryAddresses(providers: ProviderRegistry, addresses: string[]): Promise<Map<string, string>> {
  const byProvider = new Map<NonNullable<ReturnType<ProviderRegistry['forAddress']>>, string[]>();
  for (const address of addresses) {
    const provider = providers.forAddress(address);
    if (provider) byProvider.set(provider, [...(byProvider.get(provider) ?? []), address]);
  }
  const primary = new Map<string, string>();
  for (const [provider, group] of byProvider) {
    for (const resolution of await provider.resolve(group)) {
      if (resolution.kind === 'mailbox') primary.set(resolution.address.toLowerCase(), resolution.mailbox.address.toLowerCase());
    }
  }
  return primary;
}

function submittedFile(chunk: number): string {
  return `submitted-${String(chunk).padStart(6, '0')}.json`;
}

/**
 * One alert per message and chunk, carrying every recipient the chunk's rows name for it (split
 * when over the schema's bound); sender, subject and time come from the message's first row.
 */
function groupByMessage(rows: ImportedRow[]): Map<string, Alert[]> {
  const byMessage = new Map<string, { first: Alert; recipients: Set<string> }>();
  for (const { alert } of rows) {
    const group = byMessage.get(alert.messageId) ?? { first: alert, recipients: new Set<string>() };
    for (const recipient of alert.recipients) group.recipients.add(recipient);
    byMessage.set(alert.messageId, group);
  }
  const alerts = new Map<string, Alert[]>();
  for (const [messageId, { first, recipients }] of byMessage) {
    const all = [...recipients];
    const parts: Alert[] = [];
    for (let i = 0; i < all.length; i += MAX_ALERT_RECIPIENTS) parts.push({ ...first, recipients: all.slice(i, i + MAX_ALERT_RECIPIENTS) });
    alerts.set(messageId, parts);
  }
  return alerts;
}
