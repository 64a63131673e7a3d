import type { IncidentEvent } from '../domain/events.js';
import type { ChannelConfig } from './config.js';

/** One delivery of one event to one channel; `idempotencyKey` is the same on every retry and resend. */
export interface Delivery {
  event: IncidentEvent;
  idempotencyKey: string;
  /** Steps (mails) a previous attempt completed: they are not sent again. */
  done: number;
  /** Called after each step, so a retry resumes after it. */
  progress(done: number): void;
}

/** A configured destination, its secrets read: the workflow only ever names it by id. */
export interface Channel {
  readonly config: ChannelConfig;
  send(delivery: Delivery): Promise<void>;
  close(): Promise<void>;
}
