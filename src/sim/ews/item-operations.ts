import { canonicalMessageId } from '../../domain/message-id.js';
import { mimeOf } from '../mime.js';
import type { MessageView } from '../model.js';
import { EwsFault, EwsResponseError, responseFor, responseForAsync } from './errors.js';
import { folderRefs, itemIds, propertyTag, requireMailbox, resolveFolder, singleFolder, type OperationContext } from './ids.js';
import { itemIdElement, messageElement, parseItemShape, PR_INTERNET_MESSAGE_ID } from './item-shape.js';
import { FIND_COUNT_LIMIT, FIND_COUNT_LIMIT_WITH_RESTRICTION } from './limits.js';
import { indexedPage, rootFolderMessage } from './paging.js';
import type { ResponseMessage } from './soap.js';
import { sortOrderOf } from './sort-order.js';
import { attribute, child, childText, type XmlNode } from './xml.js';

/** A FindItem restriction as a predicate; only what a remediation client sends is understood. */
function restrictionFilter(restriction: XmlNode | undefined): ((message: MessageView) => boolean) | undefined {
  if (!restriction) return undefined;
  const isEqualTo = child(restriction, 'IsEqualTo');
  const extended = child(isEqualTo, 'ExtendedFieldURI');
  const field = attribute(child(isEqualTo, 'FieldURI'), 'FieldURI');
  const isMessageId = (extended && propertyTag(extended) === PR_INTERNET_MESSAGE_ID) || field === 'message:InternetMessageId';
  const constant = attribute(child(child(isEqualTo, 'FieldURIOrConstant'), 'Constant'), 'Value');
  if (!isMessageId || constant === undefined) {
    throw new EwsFault('ErrorUnsupportedQueryFilter', 'Only IsEqualTo on the Internet Message-ID (PR_INTERNET_MESSAGE_ID) is supported.');
  }
  const wanted = canonicalMessageId(constant);
  return (message) => canonicalMessageId(message.internetMessageId) === wanted;
}

/**
 * What a traversal of one folder sees. Soft-deleted items are those a SoftDelete took from this
 * folder into Recoverable Items; Exchange documents that a SoftDeleted traversal with a
 * restriction returns no items, whatever matches. No associated items are kept.
 */
function traversed(context: OperationContext, mailboxId: string, folderId: string, traversal: string, restricted: boolean): MessageView[] {
  if (traversal === 'Shallow') return context.tenant.messagesIn(mailboxId, folderId);
  if (traversal === 'SoftDeleted' && !restricted) {
    return context.tenant.messagesIn(mailboxId, 'recoverableitemsdeletions').filter((message) => message.softDeletedFrom === folderId);
  }
  return [];
}

export function findItem(context: OperationContext, body: XmlNode): ResponseMessage[] {
  const mailboxId = requireMailbox(context);
  const traversal = attribute(body, 'Traversal') ?? 'Shallow';
  if (!['Shallow', 'SoftDeleted', 'Associated'].includes(traversal)) {
    throw new EwsFault('ErrorSchemaValidation', 'FindItem Traversal must be Shallow, SoftDeleted or Associated.');
  }
  const shape = parseItemShape(child(body, 'ItemShape'));
  const restriction = child(body, 'Restriction');
  const matches = restrictionFilter(restriction);
  const limit = restriction ? FIND_COUNT_LIMIT_WITH_RESTRICTION : FIND_COUNT_LIMIT;
  const order = sortOrderOf(child(body, 'SortOrder'));
  return folderRefs(child(body, 'ParentFolderIds')).map(({ ref }) =>
    responseFor(() => {
      const folder = resolveFolder(context, ref);
      const inFolder = traversed(context, mailboxId, folder.id, traversal, matches !== undefined);
      const found = (matches ? inFolder.filter(matches) : inFolder).sort(order);
      const page = indexedPage(found, child(body, 'IndexedPageItemView'), limit);
      return rootFolderMessage(page, {
        't:Items': { 't:Message': page.items.map((message) => messageElement(context.tenant, message, shape)) },
      });
    }),
  );
}

export function requireItem(context: OperationContext, id: string): MessageView {
  const message = context.tenant.message(requireMailbox(context), id);
  if (!message) throw new EwsResponseError('ErrorItemNotFound', 'The specified object was not found in the store.');
  return message;
}

export function getItem(context: OperationContext, body: XmlNode): Promise<ResponseMessage[]> {
  const shape = parseItemShape(child(body, 'ItemShape'));
  return Promise.all(
    itemIds(child(body, 'ItemIds')).map((id) =>
      responseForAsync(async () => {
        const message = requireItem(context, id);
        const mime = shape.mimeContent ? await mimeOf(message) : undefined;
        return { responseClass: 'Success', responseCode: 'NoError', payload: { 'm:Items': { 't:Message': messageElement(context.tenant, message, shape, mime) } } };
      }, { 'm:Items': '' }),
    ),
  );
}

/** One response message per item: an unknown id fails alone, the other moves go through. */
export function moveItem(context: OperationContext, body: XmlNode): ResponseMessage[] {
  const mailboxId = requireMailbox(context);
  const returnNewItemIds = childText(body, 'ReturnNewItemIds')?.toLowerCase() === 'true';
  const ids = itemIds(child(body, 'ItemIds'));
  return ids.map((id) =>
    responseFor(
      () => {
        const destination = singleFolder(context, child(body, 'ToFolderId'));
        const moved = context.tenant.move(mailboxId, requireItem(context, id).itemId, destination.id);
        return {
          responseClass: 'Success',
          responseCode: 'NoError',
          payload: { 'm:Items': returnNewItemIds ? { 't:Message': { 't:ItemId': itemIdElement(moved) } } : '' },
        };
      },
      { 'm:Items': '' },
    ),
  );
}
