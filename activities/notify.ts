import type { IncidentEvent } from '../src/domain/events.js';
import { incidentLog } from '../src/log.js';

/** A destination for incident events (email, webhooks, …). */
export interface Notifier {
  send(event: IncidentEvent): Promise<void>;
}

/** The channel every deployment has: the structured event log. */
export const logNotifier: Notifier = {
  async send(event) {
    incidentLog(event.incidentId).info({ event: event.type, notification: event }, 'incident event');
  },
};

export function createNotifyActivities(notifiers: Notifier[]) {
  return {
    async notify(event: IncidentEvent): Promise<void> {
      for (const notifier of notifiers) await notifier.send(event);
    },
  };
}
