import { z } from 'zod';
import type { SimContext } from '../face.js';

/** The kinds of record the SIEM API answers with, in its own names. */
export const TAP_KINDS = ['messagesDelivered', 'messagesBlocked', 'clicksPermitted', 'clicksBlocked'] as const;
export type TapKind = (typeof TAP_KINDS)[number];

/** Events queued through the control API; `at` is when TAP created the event (default: now). */
export const QueuedTapEvents = z
  .object({
    at: z.iso.datetime({ offset: true }).optional(),
    messagesDelivered: z.array(z.record(z.string(), z.unknown())).default([]),
    messagesBlocked: z.array(z.record(z.string(), z.unknown())).default([]),
    clicksPermitted: z.array(z.record(z.string(), z.unknown())).default([]),
    clicksBlocked: z.array(z.record(z.string(), z.unknown())).default([]),
  })
  .strict();

/** The service credential the simulated TAP accepts (Basic auth), as the README documents it. */
export const SIM_TAP_PRINCIPAL = 'clawback-tap-principal';
export const SIM_TAP_SECRET = 'demo-tap-secret';

interface StoredEvent {
  kind: TapKind;
  at: number;
  record: Record<string, unknown>;
}

/** TAP's event log: every event with the time it was created, answered by time window. */
export class TapEventLog {
  private readonly events: StoredEvent[] = [];

  add(queued: z.infer<typeof QueuedTapEvents>): number {
    const at = queued.at ? Date.parse(queued.at) : Date.now();
    let added = 0;
    for (const kind of TAP_KINDS) {
      for (const record of queued[kind]) {
        this.events.push({ kind, at, record });
        added++;
      }
    }
    return added;
  }

  /** Events created in [start, end), grouped by kind as the SIEM API answers. */
  between(start: number, end: number): Record<TapKind, Record<string, unknown>[]> {
    const answer = Object.fromEntries(TAP_KINDS.map((kind) => [kind, [] as Record<string, unknown>[]])) as Record<TapKind, Record<string, unknown>[]>;
    for (const event of this.events) if (event.at >= start && event.at < end) answer[event.kind].push(event.record);
    return answer;
  }
}

const logs = new WeakMap<SimContext, TapEventLog>();

/** The face and the control API of one simulator share its log. */
export function tapEventLog(ctx: SimContext): TapEventLog {
  let log = logs.get(ctx);
  if (!log) logs.set(ctx, (log = new TapEventLog()));
  return log;
}
