import { randomUUID } from 'node:crypto';
import { TenantError } from './errors.js';
import { messageFromMime } from './mime.js';
import { ScenarioMessage } from './scenario.js';
import type { StoredMailbox } from './state.js';

/**
 * The model's fields of a raw message a client creates or a test delivers. The bytes are stored
 * as they came; these fields are only what the model indexes and the faces show.
 */

/** Stands in for the sender of a message whose From cannot be read. */
export const UNKNOWN_SENDER = 'unknown-sender@unknown.invalid';

/** A Message-ID for MIME that has none, in the mailbox's domain, as Exchange assigns one on creation. */
export function assignedMessageId(mailbox: Pick<StoredMailbox, 'address'>): string {
  return `<${randomUUID()}@${mailbox.address.slice(mailbox.address.lastIndexOf('@') + 1)}>`;
}

/** The model's fields of a raw message, or InvalidMime when its headers cannot make a message (a From that is no address, say). */
export async function messageFieldsOf(raw: Buffer, mailbox: Pick<StoredMailbox, 'id' | 'address'>): Promise<ScenarioMessage> {
  const parsed = ScenarioMessage.safeParse(await messageFromMime(raw, () => assignedMessageId(mailbox)));
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
  throw new TenantError('InvalidMime', `the MIME content does not make a message: ${problems}`, { mailboxId: mailbox.id });
}

/**
 * Fields for any bytes at all, as a mail server stores whatever was delivered: what the headers
 * give when they make a message, otherwise placeholders (unknown sender, no subject, dated when
 * received). Abuse reports can be hostile, so nothing in them may stop the delivery.
 */
export async function deliveredFieldsOf(raw: Buffer, mailbox: Pick<StoredMailbox, 'id' | 'address'>, receivedAt: string): Promise<ScenarioMessage> {
  try {
    return await messageFieldsOf(raw, mailbox);
  } catch {
    return ScenarioMessage.parse({ messageId: assignedMessageId(mailbox), from: UNKNOWN_SENDER, subject: '', date: receivedAt });
  }
}
