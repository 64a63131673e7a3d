import type { Client } from '@temporalio/client';
import type { Config } from '../config/schema.js';
import { ensureIntervalSchedule } from '../temporal/schedules.js';
import { tapPollWorkflow } from '../../workflows/tap-poller.js';
import { CURSOR_MEMO_KEY, tapScheduleId } from '../../workflows/tap-poller-messages.js';

/**
 * One Temporal Schedule per polling TAP source. The cursor lives in the memo of the schedule's
 * action, so every run starts where the last one ended, whichever worker runs it.
 */
export async function ensureTapSchedules(client: Client, config: Config): Promise<string[]> {
  const ids: string[] = [];
  for (const source of config.sources) {
    if (source.type !== 'tap' || !source.poll) continue;
    const scheduleId = tapScheduleId(source.id);
    await ensureIntervalSchedule(client, { scheduleId, everyMs: source.poll.intervalMs, workflow: tapPollWorkflow, args: [{ sourceId: source.id }], taskQueue: config.temporal.taskQueue });
    ids.push(scheduleId);
  }
  return ids;
}

/** Saves where the next poll of the source starts. */
export async function saveTapCursor(client: Client, sourceId: string, cursor: string): Promise<void> {
  await client.schedule.getHandle(tapScheduleId(sourceId)).update((previous) => ({
    ...previous,
    action: { ...previous.action, memo: { ...(previous.action.memo ?? {}), [CURSOR_MEMO_KEY]: cursor } },
  }));
}

/** The cursor the next poll starts from, if a poll has run. */
export async function tapCursor(client: Client, sourceId: string): Promise<string | undefined> {
  const { action } = await client.schedule.getHandle(tapScheduleId(sourceId)).describe();
  const cursor = action.memo?.[CURSOR_MEMO_KEY];
  return typeof cursor === 'string' ? cursor : undefined;
}
