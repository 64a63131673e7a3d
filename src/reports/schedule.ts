import type { Client } from '@temporalio/client';
import type { Config } from '../config/schema.js';
import { ensureIntervalSchedule } from '../temporal/schedules.js';
import { abusePollWorkflow } from '../../workflows/abuse-poller.js';
import { abuseScheduleId } from '../../workflows/report-messages.js';

/** One Temporal Schedule per abuse mailbox, polling it every `intervalMs` (a minute by default). */
export async function ensureAbuseSchedules(client: Client, config: Config): Promise<string[]> {
  const ids: string[] = [];
  for (const mailbox of config.abuse.mailboxes) {
    const scheduleId = abuseScheduleId(mailbox.id);
    await ensureIntervalSchedule(client, { scheduleId, everyMs: mailbox.intervalMs, workflow: abusePollWorkflow, args: [{ abuseMailbox: mailbox.id }], taskQueue: config.temporal.taskQueue });
    ids.push(scheduleId);
  }
  return ids;
}
