import type { MessageView } from '../model.js';
import { InvalidQuery, type QueryOptions } from './query.js';

/** The message properties `$orderby` sorts on here, by Graph's name (compared case-insensitively). */
const SORTABLE: [string, (message: MessageView) => string][] = [
  ['receivedDateTime', (message) => message.receivedAt],
  ['sentDateTime', (message) => message.date],
];

type Comparator = (a: MessageView, b: MessageView) => number;

/** Newest first, as Graph sorts a mail collection without `$orderby`. */
export const newestFirst: Comparator = (a, b) => b.receivedAt.localeCompare(a.receivedAt) || a.immutableId.localeCompare(b.immutableId);

/**
 * `$orderby=receivedDateTime` (ascending unless `desc` follows), keys separated by commas, as
 * Graph reads it; a property it cannot sort on is a 400. Without the option, newest first.
 */
export function messageOrder(options: QueryOptions): Comparator {
  const orderBy = options.get('$orderby');
  if (orderBy === undefined) return newestFirst;
  const keys = orderBy.split(',').map((clause) => {
    const [property = '', direction = 'asc', ...rest] = clause.trim().split(/\s+/);
    const read = SORTABLE.find(([name]) => name.toLowerCase() === property.toLowerCase())?.[1];
    if (!read || rest.length > 0 || !['asc', 'desc'].includes(direction.toLowerCase())) {
      throw new InvalidQuery(`Invalid $orderby clause '${clause.trim()}': sort on ${SORTABLE.map(([name]) => name).join(' or ')}, then asc or desc.`);
    }
    const sign = direction.toLowerCase() === 'desc' ? -1 : 1;
    return (a: MessageView, b: MessageView) => sign * read(a).localeCompare(read(b));
  });
  return (a, b) => keys.reduce((order, key) => order || key(a, b), 0) || a.immutableId.localeCompare(b.immutableId);
}
