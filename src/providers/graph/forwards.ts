import { canonicalMessageId } from '../../domain/message-id.js';
import type { Forward, MailboxRef, MessageCopy } from '../../domain/mail.js';
import { isGraphError } from './errors.js';
import { odataString, segment } from './odata.js';
import type { GraphSession } from './session.js';

interface Recipient {
  emailAddress?: { address?: string };
}

interface SentMessage {
  id: string;
  internetMessageId?: string;
  subject?: string | null;
  sentDateTime?: string;
  toRecipients?: Recipient[];
  ccRecipients?: Recipient[];
  bccRecipients?: Recipient[];
  internetMessageHeaders?: { name: string; value: string }[];
}

interface OriginalView {
  conversationId?: string;
  singleValueExtendedProperties?: { id: string; value: string }[];
}

/** PidTagLastVerbExecuted: the last reply or forward made from the message; absent = none ever. */
const LAST_VERB_PROPERTY = 'Integer 0x1081';
const FORWARD_SUBJECT = /^\s*(?:fw|fwd)\s*:\s*(.*)$/i;
const SENT_FIELDS = 'id,internetMessageId,subject,sentDateTime,toRecipients,ccRecipients,bccRecipients,internetMessageHeaders';

/**
 * The forwards of `original` in the mailbox's Sent Items, found by conversation and by subject
 * ("FW:/Fwd: <subject>", unless the last-verb property says the copy was never forwarded), then judged as the simulated provider does: a message naming the
 * original in References or In-Reply-To is a forward; one naming another message is not,
 * whatever its subject; one naming none is a forward when its subject says so and it was sent
 * after the original arrived.
 */
export async function findForwards(session: GraphSession, mailbox: MailboxRef, original: MessageCopy): Promise<Forward[]> {
  const view = await originalView(session, mailbox, original);
  // The last verb served and absent: no reply or forward was ever made from this copy. The
  // conversation is still searched (a client may not set the property); the broad subject search is not.
  const neverForwarded = view?.singleValueExtendedProperties !== undefined && view.singleValueExtendedProperties.length === 0;

  const sent = `/users/${segment(mailbox.mailboxId)}/mailFolders/sentitems/messages`;
  const filters: string[] = [];
  if (view?.conversationId) filters.push(`conversationId eq ${odataString(view.conversationId)}`);
  const subject = original.subject?.trim();
  if (subject && !neverForwarded) filters.push(`subject eq ${odataString(`FW: ${subject}`)} or subject eq ${odataString(`Fwd: ${subject}`)}`);
  const lists = await Promise.all(
    filters.map((filter) =>
      session.all<SentMessage>({ operation: 'findForwards', permission: 'Mail.ReadWrite', mailbox }, (client) => client.api(sent).filter(filter).select(SENT_FIELDS).top(100)),
    ),
  );

  const originalId = canonicalMessageId(original.internetMessageId);
  const forwards = new Map<string, Forward>();
  for (const message of lists.flat()) {
    if (!message.internetMessageId || canonicalMessageId(message.internetMessageId) === originalId) continue;
    if (!isForwardOf(message, originalId, original)) continue;
    forwards.set(canonicalMessageId(message.internetMessageId), {
      from: mailbox,
      messageId: message.internetMessageId,
      recipients: recipientsOf(message),
      ...(message.subject ? { subject: message.subject } : {}),
      ...(message.sentDateTime ? { sentAt: message.sentDateTime } : {}),
    });
  }
  return [...forwards.values()];
}

/** The original's conversation and last verb; undefined when the copy moved or went since the search. */
async function originalView(session: GraphSession, mailbox: MailboxRef, original: MessageCopy): Promise<OriginalView | undefined> {
  return session.call({ operation: 'findForwards', permission: 'Mail.ReadWrite', mailbox }, (client) =>
    client
      .api(`/users/${segment(mailbox.mailboxId)}/messages/${segment(original.itemId)}`)
      .select('id,conversationId')
      .expand(`singleValueExtendedProperties($filter=id eq '${LAST_VERB_PROPERTY}')`)
      .get()
      .catch((error: unknown) => {
        if (isGraphError(error, 404, 'ErrorItemNotFound')) return undefined;
        throw error;
      }),
  ) as Promise<OriginalView | undefined>;
}

function header(message: SentMessage, name: string): string | undefined {
  return message.internetMessageHeaders?.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value;
}

function isForwardOf(message: SentMessage, originalId: string, original: MessageCopy): boolean {
  const named = [header(message, 'References'), header(message, 'In-Reply-To')]
    .flatMap((value) => value?.match(/<[^<>\s]+>/g) ?? [])
    .map(canonicalMessageId);
  if (named.length > 0) return named.includes(originalId);
  const forwardedSubject = FORWARD_SUBJECT.exec(message.subject ?? '')?.[1];
  if (forwardedSubject === undefined || !original.subject) return false;
  const sentAfterArrival = !original.receivedAt || !message.sentDateTime || Date.parse(message.sentDateTime) >= Date.parse(original.receivedAt);
  return forwardedSubject.trim().toLowerCase() === original.subject.trim().toLowerCase() && sentAfterArrival;
}

function recipientsOf(message: SentMessage): string[] {
  const addresses = [...(message.toRecipients ?? []), ...(message.ccRecipients ?? []), ...(message.bccRecipients ?? [])]
    .map((recipient) => recipient.emailAddress?.address?.toLowerCase())
    .filter((address): address is string => Boolean(address));
  return [...new Set(addresses)];
}
