import {
  BasePropertySet,
  EmailMessage,
  EmailMessageSchema,
  FolderId,
  ItemSchema,
  PropertySet,
  ItemId,
  ServiceError,
  ServiceResult,
  WellKnownFolderName,
  type ExchangeService,
  type Item,
} from 'ews-javascript-api';
import type { Forward, MailboxRef, MessageCopy } from '../../domain/mail.js';
import { canonicalMessageId } from '../../domain/message-id.js';
import { responseError, type CallContext } from './errors.js';
import { findItems, IN_REPLY_TO_PROPERTY } from './find-items.js';

const FORWARDED_SUBJECT = /^\s*(?:fw|fwd)\s*:\s*(.*)$/i;

/** Enough of each sent message to pick the candidates, without the heavier header fields. */
const SENT_SUMMARY = [ItemSchema.Subject, ItemSchema.DateTimeSent, ItemSchema.ConversationId, IN_REPLY_TO_PROPERTY];

/** What decides whether a candidate is a forward, and what the workflow follows it by. */
const FORWARD_DETAIL = [
  ItemSchema.Subject,
  ItemSchema.DateTimeSent,
  EmailMessageSchema.InternetMessageId,
  EmailMessageSchema.References,
  IN_REPLY_TO_PROPERTY,
  EmailMessageSchema.ToRecipients,
  EmailMessageSchema.CcRecipients,
  EmailMessageSchema.BccRecipients,
];

/** GetItem ids per request. */
const IDS_PER_REQUEST = 100;

/**
 * The forwards of `original` in the mailbox's Sent Items. A sent message whose References or
 * In-Reply-To name the original is one; one with neither header is one when its subject is
 * "FW:/Fwd: <original subject>" and it was sent after the original arrived; one whose headers
 * name another message never is. Candidates come from a cheap listing (In-Reply-To, the
 * original's conversation, the subject); only those are read in full.
 */
export async function findForwards(service: ExchangeService, mailbox: MailboxRef, original: MessageCopy, at: CallContext): Promise<Forward[]> {
  const originalId = canonicalMessageId(original.internetMessageId);
  const sent = await findItems(service, [new FolderId(WellKnownFolderName.SentItems)], null, SENT_SUMMARY, at);
  if (sent.length === 0) return [];
  const conversation = await conversationOf(service, original.itemId);
  const candidates = sent
    .map(({ item }) => item)
    .filter((item) => {
      const inReplyTo = extendedString(item, IN_REPLY_TO_PROPERTY);
      return (inReplyTo !== undefined && canonicalMessageId(inReplyTo) === originalId) || (conversation !== undefined && item.ConversationId?.UniqueId === conversation) || subjectForwards(item.Subject, original);
    });
  const forwards = new Map<string, Forward>();
  for (const item of await readItems(service, candidates.map((c) => c.Id), at)) {
    if (!(item instanceof EmailMessage) || !isForwardOf(item, originalId, original)) continue;
    forwards.set(canonicalMessageId(item.InternetMessageId), {
      from: mailbox,
      messageId: item.InternetMessageId,
      recipients: [...item.ToRecipients.GetEnumerator(), ...item.CcRecipients.GetEnumerator(), ...item.BccRecipients.GetEnumerator()].map((r) => r.Address),
      subject: item.Subject,
      sentAt: item.DateTimeSent.ToISOString(),
    });
  }
  return [...forwards.values()];
}

function isForwardOf(item: EmailMessage, originalId: string, original: MessageCopy): boolean {
  const inReplyTo = extendedString(item, IN_REPLY_TO_PROPERTY);
  const named = [...(item.References?.match(/<[^<>]+>/g) ?? []), ...(inReplyTo ? [inReplyTo] : [])].map(canonicalMessageId);
  if (named.length > 0) return named.includes(originalId);
  const sentAfterArrival = !original.receivedAt || item.DateTimeSent.TotalMilliSeconds >= Date.parse(original.receivedAt);
  return subjectForwards(item.Subject, original) && sentAfterArrival;
}

function subjectForwards(subject: string | undefined, original: MessageCopy): boolean {
  const forwarded = FORWARDED_SUBJECT.exec(subject ?? '')?.[1];
  return forwarded !== undefined && !!original.subject && forwarded.trim().toLowerCase() === original.subject.trim().toLowerCase();
}

/** The original's conversation, when its copy is still where it was found. */
async function conversationOf(service: ExchangeService, itemId: string): Promise<string | undefined> {
  const responses = await service.BindToItems([new ItemId(itemId)], new PropertySet(BasePropertySet.IdOnly, [ItemSchema.ConversationId]));
  const [response] = responses.Responses;
  return response?.Result === ServiceResult.Success ? response.Item.ConversationId?.UniqueId : undefined;
}

async function readItems(service: ExchangeService, ids: ItemId[], at: CallContext): Promise<Item[]> {
  const items: Item[] = [];
  for (let start = 0; start < ids.length; start += IDS_PER_REQUEST) {
    const responses = await service.BindToItems(ids.slice(start, start + IDS_PER_REQUEST), new PropertySet(BasePropertySet.IdOnly, FORWARD_DETAIL));
    for (const response of responses.Responses) {
      if (response.Result === ServiceResult.Success) items.push(response.Item);
      else if (response.ErrorCode !== ServiceError.ErrorItemNotFound) throw responseError(response, at);
    }
  }
  return items;
}

function extendedString(item: Item, property: typeof IN_REPLY_TO_PROPERTY): string | undefined {
  const value = { outValue: null as unknown };
  return item.ExtendedProperties.TryGetValue(property, value) && typeof value.outValue === 'string' ? value.outValue : undefined;
}
