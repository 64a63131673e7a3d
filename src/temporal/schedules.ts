import { Client, Connection, ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Workflow } from '@temporalio/client';
import { log } from '../log.js';

export interface IntervalSchedule {
  scheduleId: string;
  everyMs: number;
  workflow: Workflow;
  args: unknown[];
  taskQueue: string;
}

/**
 * A schedule that starts `workflow` every `everyMs`, created if missing and its interval and task
 * queue kept in line with the config otherwise (its memo, where pollers keep cursors, is left as
 * it is). A run that outlasts the interval makes the next one skip; missed runs are not replayed,
 * because each run catches up by itself.
 */
export async function ensureIntervalSchedule(client: Client, schedule: IntervalSchedule): Promise<void> {
  const every = `${schedule.everyMs}ms`;
  try {
    await client.schedule.create({
      scheduleId: schedule.scheduleId,
      spec: { intervals: [{ every }] },
      action: { type: 'startWorkflow', workflowType: schedule.workflow.name, workflowId: schedule.scheduleId, taskQueue: schedule.taskQueue, args: schedule.args, memo: {} },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m' },
    });
    log.info({ event: 'schedule.created', scheduleId: schedule.scheduleId, every }, 'schedule created');
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule
      .getHandle(schedule.scheduleId)
      .update((previous) => ({ ...previous, spec: { intervals: [{ every }] }, action: { ...previous.action, taskQueue: schedule.taskQueue } }));
  }
}

/** Runs `work` with a client of its own on the server at `address`. */
export async function withClient<T>(address: string, namespace: string, work: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address });
  try {
    return await work(new Client({ connection, namespace }));
  } finally {
    await connection.close();
  }
}
