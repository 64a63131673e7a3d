import type { MessageView } from '../model.js';
import { EwsFault } from './errors.js';
import { attribute, child, children, type XmlNode } from './xml.js';

/** The item properties FindItem sorts on here, by FieldURI. */
const SORTABLE: Record<string, (message: MessageView) => string> = {
  'item:DateTimeReceived': (message) => message.receivedAt,
  'item:DateTimeSent': (message) => message.date,
  'item:Subject': (message) => message.subject.toLowerCase(),
};

type Comparator = (a: MessageView, b: MessageView) => number;

/** Newest first, Exchange's order when the request gives no SortOrder. */
const newestFirst: Comparator = (a, b) => b.receivedAt.localeCompare(a.receivedAt);

/**
 * FindItem's `m:SortOrder`: each `t:FieldOrder` (Order Ascending or Descending) a key, the first
 * deciding first. A field it cannot sort on refuses the request, as Exchange does.
 */
export function sortOrderOf(sortOrder: XmlNode | undefined): Comparator {
  const fieldOrders = children(sortOrder, 'FieldOrder');
  if (fieldOrders.length === 0) return newestFirst;
  const keys = fieldOrders.map((fieldOrder) => {
    const field = attribute(child(fieldOrder, 'FieldURI'), 'FieldURI') ?? '';
    const read = SORTABLE[field];
    if (!read) throw new EwsFault('ErrorUnsupportedPathForSortGroup', `FindItem sorts here on ${Object.keys(SORTABLE).join(', ')}; not on "${field}".`);
    const sign = attribute(fieldOrder, 'Order') === 'Descending' ? -1 : 1;
    return (a: MessageView, b: MessageView) => sign * read(a).localeCompare(read(b));
  });
  return (a, b) => keys.reduce((order, key) => order || key(a, b), 0);
}
