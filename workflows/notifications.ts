import { ActivityFailure, ApplicationFailure, CancellationScope, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { NotificationFailureDetails } from '../activities/notify.js';
import { EVENT_RESIDUAL_LIMIT, PULL_EVENT_TYPES, type IncidentEvent, type IncidentEventType } from '../src/domain/events.js';
import type { IncidentState } from '../src/domain/incident.js';
import type { ChannelRetry } from '../src/notify/config.js';
import { PERMANENT_NOTIFICATION_ERRORS } from '../src/notify/errors.js';
import type { Incident } from './incident-state.js';
import type { ResendAction } from './messages.js';

/** What every version of an event says about the incident. */
export function eventBase(state: IncidentState, type: IncidentEventType) {
  return {
    type,
    incidentId: state.incidentId,
    at: new Date().toISOString(),
    status: state.status,
    messageId: state.messageId,
    sender: state.sender,
    ...(state.subject === undefined ? {} : { subject: state.subject }),
    sources: [...state.sources],
    counts: { ...state.counts },
  };
}

export interface DispatchMemory {
  sequence: number;
  sent: [number, { event: IncidentEvent; retry: ChannelRetry }][];
}

const planner = proxyActivities<Activities>({ startToCloseTimeout: '1m', retry: { initialInterval: '5s', maximumAttempts: 5 } });

/**
 * Sends the incident's events: each (event × channel) is its own activity with the channel's
 * retry policy. Nothing here is awaited on the pull's path: `announce` returns at once, the
 * sends run in non-cancellable scopes (a cancelled incident still reports its undo), and the
 * workflow waits for `idle` only before it ends.
 */
export class NotificationDispatch {
  private sequence = 0;
  private inFlight = 0;
  /** What each notification sent, by its number: a resend sends the same event again. */
  private readonly sent = new Map<number, { event: IncidentEvent; retry: ChannelRetry }>();

  constructor(
    private readonly incident: Incident,
    /** Called when a notification failed for good, so the UI's details show it. */
    private readonly onFailure: () => void,
  ) {}

  get idle(): boolean {
    return this.inFlight === 0;
  }

  /** What a resend needs after a continue-as-new: each notification's event and retry policy. */
  memory(): DispatchMemory {
    return { sequence: this.sequence, sent: [...this.sent] };
  }

  recall(memory: DispatchMemory): void {
    this.sequence = memory.sequence;
    for (const [n, sent] of memory.sent) this.sent.set(n, sent);
  }

  announce(type: IncidentEventType, lateCopies?: number): void {
    const event = this.event(type, lateCopies);
    this.track(async () => {
      let planned: Awaited<ReturnType<Activities['planNotifications']>>;
      try {
        planned = await planner.planNotifications.executeWithOptions(
          { summary: `${type}: log, choose channels` },
          [event],
        );
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        return;
      }
      await Promise.all(
        planned.map(({ channel, retry }) => {
          const n = this.incident.noteNotification(channel, event);
          this.sent.set(n, { event, retry });
          return this.deliver(n, channel);
        }),
      );
    });
  }

  resend(action: ResendAction): void {
    const record = this.incident.requestResend(action);
    this.track(() => this.deliver(record.n, record.channel));
  }

  private async deliver(n: number, channel: string): Promise<void> {
    const { event, retry } = this.sent.get(n)!;
    try {
      const { attempt } = await planner.sendNotification.executeWithOptions(
        {
          startToCloseTimeout: '5m',
          // Owner mails go one by one; a retry resumes after the last one the heartbeat reported.
          heartbeatTimeout: '2m',
          retry: {
            initialInterval: retry.initialIntervalMs,
            maximumInterval: retry.maximumIntervalMs,
            backoffCoefficient: 2,
            maximumAttempts: retry.maximumAttempts,
            nonRetryableErrorTypes: [...PERMANENT_NOTIFICATION_ERRORS],
          },
          summary: `${event.type} → ${channel}`,
        },
        [{ channel, event }],
      );
      this.incident.settleNotification(n, { attempts: attempt });
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      const cause = error.cause;
      const details = cause instanceof ApplicationFailure ? (cause.details?.[0] as NotificationFailureDetails | undefined) : undefined;
      this.incident.settleNotification(n, { attempts: details?.attempt ?? retry.maximumAttempts, error: cause?.message ?? error.message });
      this.onFailure();
    }
  }

  private track(work: () => Promise<void>): void {
    this.inFlight++;
    void CancellationScope.nonCancellable(work).finally(() => this.inFlight--);
  }

  private event(type: IncidentEventType, lateCopies: number | undefined): IncidentEvent {
    const { state, threat, links } = this.incident;
    return {
      version: 2,
      id: `${state.incidentId}/${++this.sequence}`,
      ...eventBase(state, type),
      threat: { classification: threat.classification, ...(threat.score === undefined ? {} : { score: threat.score }) },
      residualExposure: state.residualExposure.slice(0, EVENT_RESIDUAL_LIMIT),
      links: links ? { incident: links.incident } : {},
      pulledMailboxes: PULL_EVENT_TYPES.includes(type) ? this.incident.claimPulledMailboxes() : [],
      ...(lateCopies === undefined ? {} : { lateCopies }),
    };
  }
}
