import { z } from 'zod';
import { EwsFault } from './errors.js';
import type { ResponseMessage } from './soap.js';
import { attribute, type XmlNode } from './xml.js';

const IndexedPageView = z.object({
  maxEntries: z.coerce.number().int().min(1).optional(),
  offset: z.coerce.number().int().min(0).default(0),
  basePoint: z.enum(['Beginning', 'End']).default('Beginning'),
});

export interface Page<T> {
  items: T[];
  /** The paging attributes of RootFolder/ResolutionSet, in the schema's attribute names. */
  attributes: XmlNode;
}

/**
 * One page of an `IndexedPageItemView`/`IndexedPageFolderView`: the view's own size, never more
 * than the server's find limit.
 */
export function indexedPage<T>(all: T[], view: XmlNode | undefined, serverLimit: number): Page<T> {
  const parsed = IndexedPageView.safeParse({
    maxEntries: attribute(view, 'MaxEntriesReturned'),
    offset: attribute(view, 'Offset'),
    basePoint: attribute(view, 'BasePoint'),
  });
  if (!parsed.success) throw new EwsFault('ErrorInvalidPagingMaxRows', 'The paging view is invalid.');
  const size = Math.min(parsed.data.maxEntries ?? serverLimit, serverLimit);
  const { offset, basePoint } = parsed.data;
  const total = all.length;
  const [start, end] = basePoint === 'Beginning' ? [offset, Math.min(offset + size, total)] : [Math.max(0, total - offset - size), Math.max(0, total - offset)];
  const items = all.slice(Math.min(start, total), end);
  const includesLast = basePoint === 'Beginning' ? end >= total : start === 0;
  return {
    items,
    attributes: {
      '@_IndexedPagingOffset': String(offset + items.length),
      '@_TotalItemsInView': String(total),
      '@_IncludesLastItemInRange': String(includesLast),
    },
  };
}

/** A FindFolder/FindItem answer for one parent folder: the page's attributes on `m:RootFolder` around what was found. */
export function rootFolderMessage<T>(page: Page<T>, contents: XmlNode): ResponseMessage {
  return { responseClass: 'Success', responseCode: 'NoError', payload: { 'm:RootFolder': { ...page.attributes, ...contents } } };
}
