import { ConfigId } from '../config/id.js';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { IncidentNotFound, type IncidentClient } from '../incidents/client.js';
import { tapScheduleId, type TapPollOutcome } from '../../workflows/tap-poller-messages.js';

/** A withdrawn TAP verdict as an admin reviews it: what the poll run found, and the incident now. */
export const ListedReversal = z.object({
  incidentId: z.string(),
  messageId: z.string(),
  threatStatus: z.enum(['falsePositive', 'cleared']),
  alertId: z.string().optional().describe("TAP's event id"),
  copiesPulled: z.number().int().describe('copies the incident held in quarantine when the run found the reversal'),
  foundAt: z.iso.datetime().describe('when the poll run that found it started'),
  workflowId: z.string().describe('the poll run'),
  runId: z.string(),
  stillHeld: z.boolean().describe('the incident holds pulled copies now (nobody has undone it yet)'),
});
export type ListedReversal = z.infer<typeof ListedReversal>;

/** Copies of the incident still in quarantine: 0 when it pulled none, was undone, or is gone. */
export async function copiesHeld(incidents: IncidentClient, incidentId: string): Promise<number> {
  try {
    const state = await incidents.summary(incidentId);
    return state.status === 'undone' ? 0 : Math.max(0, state.counts.copiesPulled - state.counts.copiesRestored);
  } catch (error) {
    if (error instanceof IncidentNotFound) return 0;
    throw error;
  }
}

/**
 * The verdict reversals a TAP source's poll runs found, read back from Temporal: visibility lists
 * the runs of the source's schedule that carry `ClawbackVerdictReversals`, and each run's result
 * holds its reversals.
 */
export class TapReversalReader {
  constructor(
    private readonly client: Client,
    private readonly incidents: IncidentClient,
  ) {}

  /** Newest first, at most `limit`. */
  async list(sourceId: string, limit: number): Promise<ListedReversal[]> {
    // Source ids are config ids; anything else would be spliced into a visibility query.
    if (!ConfigId.safeParse(sourceId).success) throw new TypeError(`not a source id: ${JSON.stringify(sourceId)}`);
    const query = `TemporalScheduledById = "${tapScheduleId(sourceId)}" AND ClawbackVerdictReversals IS NOT NULL AND ExecutionStatus = "Completed"`;
    const found: Omit<ListedReversal, 'stillHeld'>[] = [];
    for await (const run of this.client.workflow.list({ query })) {
      const outcome = (await this.client.workflow.getHandle(run.workflowId, run.runId).result()) as TapPollOutcome;
      const foundAt = run.startTime.toISOString();
      for (const reversal of outcome.reversals) found.push({ ...reversal, foundAt, workflowId: run.workflowId, runId: run.runId });
      if (found.length >= limit) break;
    }
    found.sort((a, b) => b.foundAt.localeCompare(a.foundAt));
    const held = new Map<string, Promise<number>>();
    const heldNow = (incidentId: string) => held.get(incidentId) ?? held.set(incidentId, copiesHeld(this.incidents, incidentId)).get(incidentId)!;
    return Promise.all(found.slice(0, limit).map(async (reversal) => ({ ...reversal, stillHeld: (await heldNow(reversal.incidentId)) > 0 })));
  }
}
