import { Client, Connection, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Config } from '../config/schema.js';
import { log } from '../log.js';
import { tapPollWorkflow } from '../../workflows/tap-poller.js';
import { CURSOR_MEMO_KEY, tapScheduleId } from '../../workflows/tap-poller-messages.js';

/**
 * One Temporal Schedule per polling TAP source, created if missing and its interval kept in line
 * with the config otherwise. The cursor lives in the memo of the schedule's action, so every run
 * starts where the last one ended, whichever worker runs it.
 */
export async function ensureTapSchedules(client: Client, config: Config): Promise<string[]> {
  const ids: string[] = [];
  for (const source of config.sources) {
    if (source.type !== 'tap' || !source.poll) continue;
    const scheduleId = tapScheduleId(source.id);
    const every = `${source.poll.intervalMs}ms`;
    try {
      await client.schedule.create({
        scheduleId,
        spec: { intervals: [{ every }] },
        action: { type: 'startWorkflow', workflowType: tapPollWorkflow, workflowId: scheduleId, taskQueue: config.temporal.taskQueue, args: [{ sourceId: source.id }], memo: {} },
        // A run that outlasts the interval makes the next one skip; missed runs are not replayed,
        // because the cursor catches up by itself.
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m' },
      });
      log.info({ event: 'tap.schedule_created', source: source.id, scheduleId, every }, 'TAP poll schedule created');
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec: { intervals: [{ every }] }, action: { ...previous.action, taskQueue: config.temporal.taskQueue } }));
    }
    ids.push(scheduleId);
  }
  return ids;
}

/** The worker's start-up: the schedules of the config's TAP sources on the server it serves. */
export async function ensureTapSchedulesAt(address: string, namespace: string, config: Config): Promise<void> {
  if (!config.sources.some((source) => source.type === 'tap' && source.poll)) return;
  const connection = await Connection.connect({ address });
  try {
    await ensureTapSchedules(new Client({ connection, namespace }), config);
  } finally {
    await connection.close();
  }
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
