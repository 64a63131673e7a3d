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

/** One mail to one person, outside any incident event (a reporter's answer). */
export interface DirectMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The same on every retry, so the receiving side can recognise a repeat. */
  messageId: string;
  inReplyTo?: string;
  headers: Record<string, string>;
}

/** A configured destination, its secrets read: the workflow only ever names it by id. */
export interface Channel {
  readonly config: ChannelConfig;
  send(delivery: Delivery): Promise<void>;
  /** Email channels only: one mail through the channel's server and From address. */
  sendMail?(mail: DirectMail): Promise<void>;
  close(): Promise<void>;
}
