import type { gmail_v1 } from 'googleapis';

/** The headers every metadata read asks for: matching, forward detection and display. */
export const METADATA_HEADERS = ['Message-ID', 'References', 'In-Reply-To', 'Subject', 'From', 'Date', 'To', 'Cc', 'Bcc'];

/** A message as `messages.get format=metadata` (or a thread's message) describes it. */
export interface MessageMetadata {
  id: string;
  threadId: string | undefined;
  labelIds: string[];
  internetMessageId: string | undefined;
  /** Message-IDs named by References and In-Reply-To. */
  references: string[];
  subject: string;
  from: string | undefined;
  recipients: string[];
  /** ISO 8601: the Date header when it parses, else when Gmail received the message. */
  sentAt: string | undefined;
  receivedAt: string | undefined;
}

const MESSAGE_ID = /<[^<>\s]+>/g;
const ADDRESS = /[^\s<>",;:()]+@[^\s<>",;:()]+/g;

export function metadataOf(message: gmail_v1.Schema$Message): MessageMetadata {
  const headers = message.payload?.headers ?? [];
  const header = (name: string) => headers.filter((h) => h.name?.toLowerCase() === name.toLowerCase()).map((h) => h.value ?? '');
  const first = (name: string) => header(name)[0];
  const receivedAt = message.internalDate ? new Date(Number(message.internalDate)).toISOString() : undefined;
  const date = Date.parse(first('Date') ?? '');
  return {
    id: message.id ?? '',
    threadId: message.threadId ?? undefined,
    labelIds: message.labelIds ?? [],
    internetMessageId: first('Message-ID')?.match(MESSAGE_ID)?.[0],
    references: [...header('References'), ...header('In-Reply-To')].flatMap((value) => value.match(MESSAGE_ID) ?? []),
    subject: first('Subject') ?? '',
    from: first('From')?.match(ADDRESS)?.[0],
    recipients: [...new Set(['To', 'Cc', 'Bcc'].flatMap(header).flatMap((value) => value.match(ADDRESS) ?? []).map((a) => a.toLowerCase()))],
    sentAt: Number.isFinite(date) ? new Date(date).toISOString() : receivedAt,
    receivedAt,
  };
}
