import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { IncidentEvent, IncidentEventV1 } from '../src/domain/events.js';
import { incidentLog } from '../src/log.js';
import { ChannelRegistry, type PlannedNotification } from '../src/notify/channels.js';
import { PERMANENT_NOTIFICATION_ERRORS } from '../src/notify/errors.js';

/** A destination every event reaches before any channel: today the structured event log. */
export interface Notifier {
  send(event: IncidentEvent | IncidentEventV1): Promise<void>;
}

/** The channel every deployment has: the structured event log. */
export const logNotifier: Notifier = {
  async send(event) {
    incidentLog(event.incidentId).info({ event: event.type, notification: event }, 'incident event');
  },
};

export interface SendNotification {
  channel: string;
  event: IncidentEvent;
}

/** How many attempts a notification took: the answer of a delivery, and the details of a failure. */
export interface NotificationFailureDetails {
  attempt: number;
}

/** Stable across retries and resends of the same event to the same channel; receivers de-duplicate on it. */
export function idempotencyKey(eventId: string, channel: string): string {
  return createHash('sha256').update(`${eventId} ${channel}`).digest('hex').slice(0, 40);
}

export function createNotifyActivities(notifiers: Notifier[], channels: ChannelRegistry = ChannelRegistry.empty(), temporalUiUrl?: string) {
  return {
    /** The one notification of incidents started before channels existed: the event log only. */
    async notify(event: IncidentEventV1): Promise<void> {
      for (const notifier of notifiers) await notifier.send(event);
    },

    /** Logs the event and names the channels that want it, with their retry policies. */
    async planNotifications(event: IncidentEvent): Promise<PlannedNotification[]> {
      for (const notifier of notifiers) await notifier.send(event);
      return channels.plan(event);
    },

    /** One event to one channel; the channel's secrets are looked up here, never carried by the workflow. */
    async sendNotification({ channel, event }: SendNotification): Promise<NotificationFailureDetails> {
      const context = Context.current();
      const { info } = context;
      const workflowId = info.workflowExecution?.workflowId;
      const links =
        temporalUiUrl && workflowId && info.workflowNamespace
          ? { ...event.links, temporalUi: `${temporalUiUrl}/namespaces/${encodeURIComponent(info.workflowNamespace)}/workflows/${encodeURIComponent(workflowId)}` }
          : event.links;
      try {
        await channels.get(channel).send({
          event: { ...event, links },
          idempotencyKey: idempotencyKey(event.id, channel),
          done: typeof info.heartbeatDetails === 'number' ? info.heartbeatDetails : 0,
          progress: (done) => context.heartbeat(done),
        });
        return { attempt: info.attempt };
      } catch (error) {
        const type = (error as { type?: string }).type ?? 'NotificationFailed';
        const details: NotificationFailureDetails = { attempt: info.attempt };
        throw ApplicationFailure.create({
          type,
          message: (error as Error).message,
          nonRetryable: (PERMANENT_NOTIFICATION_ERRORS as readonly string[]).includes(type),
          details: [details],
        });
      }
    },
  };
}
