import type { GoogleApi } from './api.js';
import { mapConcurrently, PER_MAILBOX_CONCURRENCY } from './concurrency.js';
import { METADATA_HEADERS, metadataOf, type MessageMetadata } from './metadata.js';

const LIST_PAGE = 500;

/**
 * Ids of the messages a search (an empty one: all) matches among those bearing every one of
 * `labelIds`, spam and trash included: every page, or only as many as `limit` needs.
 */
export async function searchMessageIds(api: GoogleApi, user: string, q: string, labelIds: string[] = [], limit = Infinity): Promise<string[]> {
  const ids: string[] = [];
  let pageToken: string | undefined;
  do {
    const maxResults = Math.min(LIST_PAGE, limit - ids.length);
    const page = await api.gmail(user, 'messages.list', (gmail) =>
      gmail.users.messages.list({ userId: 'me', ...(q ? { q } : {}), includeSpamTrash: true, maxResults, ...(labelIds.length ? { labelIds } : {}), ...(pageToken ? { pageToken } : {}) }),
    );
    ids.push(...(page.messages ?? []).flatMap((message) => (message.id ? [message.id] : [])));
    pageToken = page.nextPageToken ?? undefined;
  } while (pageToken && ids.length < limit);
  return ids.slice(0, limit);
}

/** Labels and headers of each message; one deleted since it was listed is left out. */
export async function readMetadata(api: GoogleApi, user: string, ids: readonly string[]): Promise<MessageMetadata[]> {
  const messages = await mapConcurrently(ids, PER_MAILBOX_CONCURRENCY, (id) =>
    api.gmailOrAbsent(user, 'messages.get', (gmail) => gmail.users.messages.get({ userId: 'me', id, format: 'metadata', metadataHeaders: METADATA_HEADERS })),
  );
  return messages.flatMap((message) => (message ? [metadataOf(message)] : []));
}

/** The message's labels now (format=minimal), or undefined when it no longer exists. */
export async function currentLabels(api: GoogleApi, user: string, id: string): Promise<string[] | undefined> {
  const message = await api.gmailOrAbsent(user, 'messages.get', (gmail) => gmail.users.messages.get({ userId: 'me', id, format: 'minimal' }));
  return message && (message.labelIds ?? []);
}
