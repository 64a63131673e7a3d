import { canonicalMessageId } from '../../domain/message-id.js';
import type { MessageView } from '../model.js';

/**
 * The part of Gmail's search syntax clients use to find a message: `rfc822msgid:`, `in:`,
 * `label:`, `is:`, `subject:`, `from:`, `to:` and bare words, each negated by a leading `-`,
 * all ANDed (no OR or grouping). Quoted values (`subject:"Fwd: Overdue invoice"`) keep their
 * spaces. Matching is case-insensitive and by substring, except the Message-ID, which must be
 * equal once canonical.
 */
export interface MessageQuery {
  /** Whether the query asks for SPAM or TRASH itself, which lifts their default exclusion. */
  searchesSpamOrTrash: boolean;
  matches(message: MessageView, labelIds: string[], labelName: (labelId: string) => string | undefined): boolean;
}

interface Term {
  negated: boolean;
  operator: string;
  value: string;
}

const TERM = /(-)?(?:(\w+):)?(?:"([^"]*)"|(\S+))/g;

/** `in:` and `is:` values, as the label each one tests. */
const LABEL_OF_LOCATION: Record<string, string> = {
  inbox: 'INBOX',
  sent: 'SENT',
  spam: 'SPAM',
  trash: 'TRASH',
  draft: 'DRAFT',
  drafts: 'DRAFT',
  starred: 'STARRED',
  important: 'IMPORTANT',
  unread: 'UNREAD',
};

function parseTerms(q: string): Term[] {
  return [...q.matchAll(TERM)].map((match) => ({
    negated: match[1] === '-',
    operator: (match[2] ?? '').toLowerCase(),
    value: match[3] ?? match[4] ?? '',
  }));
}

function contains(haystack: string, needle: string): boolean {
  return haystack.toLowerCase().includes(needle.toLowerCase());
}

function termMatches(
  { operator, value }: Term,
  message: MessageView,
  labels: Set<string>,
  labelName: (labelId: string) => string | undefined,
): boolean {
  const lowered = value.toLowerCase();
  switch (operator) {
    case 'rfc822msgid':
      return canonicalMessageId(value) === canonicalMessageId(message.internetMessageId);
    case 'in':
      return lowered === 'anywhere' || labels.has(LABEL_OF_LOCATION[lowered] ?? value.toUpperCase());
    case 'is':
      return lowered === 'read' ? message.isRead : labels.has(LABEL_OF_LOCATION[lowered] ?? value.toUpperCase());
    case 'label':
      return [...labels].some((labelId) => labelId.toLowerCase() === lowered || labelName(labelId)?.toLowerCase() === lowered);
    case 'subject':
      return contains(message.subject, value);
    case 'from':
      return contains(message.from, value);
    case 'to':
      return [...message.to, ...message.cc].some((address) => contains(address, value));
    default: {
      // An operator this face does not know is searched for as text, as Gmail does.
      const word = operator ? `${operator}:${value}` : value;
      return [message.subject, message.body, message.from].some((field) => contains(field, word));
    }
  }
}

export function parseMessageQuery(q: string | undefined): MessageQuery {
  const terms = parseTerms(q ?? '');
  const searchesSpamOrTrash = terms.some(
    ({ negated, operator, value }) => !negated && (operator === 'in' || operator === 'label') && ['spam', 'trash', 'anywhere'].includes(value.toLowerCase()),
  );
  return {
    searchesSpamOrTrash,
    matches: (message, labelIds, labelName) => {
      const labels = new Set(labelIds);
      return terms.every((term) => termMatches(term, message, labels, labelName) !== term.negated);
    },
  };
}
