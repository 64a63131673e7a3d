/**
 * MAPI properties a message answers with through
 * `$expand=singleValueExtendedProperties($filter=id eq 'Integer 0x1081')`: how a client sees that
 * the mailbox's owner forwarded or replied to a message.
 */
import type { MessageView } from '../model.js';
import type { LastVerb } from '../state.js';
import { matchesFilter, parseSupportedFilter, propertyReader } from './filter.js';
import { InvalidQuery, type QueryOptions } from './query.js';

export type SingleValueExtendedProperty = {
  id: string;
  /** Graph sends every value as a string, whatever the property's type. */
  value: string;
};

/** PR_LAST_VERB_EXECUTED's values, as MAPI defines them. */
const LAST_VERB_EXECUTED: Record<LastVerb['verb'], number> = { reply: 102, replyAll: 103, forward: 104 };

/** The properties the model holds for a message, with the ids Graph answers with. */
function extendedPropertiesOf(message: MessageView): SingleValueExtendedProperty[] {
  if (!message.lastVerb) return [];
  return [
    { id: 'Integer 0x1081', value: String(LAST_VERB_EXECUTED[message.lastVerb.verb]) },
    { id: 'SystemTime 0x1082', value: new Date(message.lastVerb.at).toISOString().replace(/\.\d{3}Z$/, 'Z') },
  ];
}

/** Ids compare without regard to case or spacing: `integer 0X1081` names the same property. */
function normaliseId(_property: string, value: string): string {
  return value.trim().replace(/\s+/g, ' ').toLowerCase();
}

const EXPANSION = /^singleValueExtendedProperties\(\s*\$filter=(.+)\)$/s;

export type ExtendedPropertyExpansion = (message: MessageView) => SingleValueExtendedProperty[];

/**
 * The `$expand` of a message read, or undefined without one. Graph only expands extended
 * properties named by a filter on their id; any other expansion is refused here rather than
 * silently ignored.
 */
export function extendedPropertyExpansion(options: QueryOptions): ExtendedPropertyExpansion | undefined {
  const expand = options.get('$expand');
  if (expand === undefined) return undefined;
  const source = EXPANSION.exec(expand.trim())?.[1];
  if (source === undefined) {
    throw new InvalidQuery(`Only singleValueExtendedProperties($filter=id eq '<property id>') can be expanded on a message; got '${expand}'.`);
  }
  const filter = parseSupportedFilter(source, new Set(['id']))!;
  return (message) => extendedPropertiesOf(message).filter((property) => matchesFilter(filter, propertyReader(property), normaliseId));
}
