import { EwsFault, EwsResponseError, responseFor } from './errors.js';
import { requireMailbox, type OperationContext } from './ids.js';
import { itemIdElement } from './item-shape.js';
import { requireItem } from './item-operations.js';
import type { ResponseMessage } from './soap.js';
import { attribute, child, children, childText, type XmlNode } from './xml.js';

/**
 * The read state in one item change, the only field this face updates (what a restore needs);
 * any other field is refused for that item, as Exchange refuses a property it cannot set.
 */
function readStateOf(change: XmlNode): boolean {
  const updates = child(change, 'Updates');
  const fields = children(updates, 'SetItemField');
  const isRead = fields.find((field) => attribute(child(field, 'FieldURI'), 'FieldURI') === 'message:IsRead');
  if (!isRead || fields.length !== 1 || children(updates, 'DeleteItemField').length > 0 || children(updates, 'AppendToItemField').length > 0) {
    throw new EwsResponseError('ErrorInvalidPropertySet', 'The simulated tenant updates message:IsRead only.');
  }
  const value = childText(child(isRead, 'Message'), 'IsRead')?.toLowerCase();
  if (value !== 'true' && value !== 'false') throw new EwsResponseError('ErrorInvalidValueForProperty', 'IsRead must be true or false.');
  return value === 'true';
}

/** UpdateItem, SaveOnly: sets messages' read state; one response message per item change. */
export function updateItem(context: OperationContext, body: XmlNode): ResponseMessage[] {
  const mailboxId = requireMailbox(context);
  const disposition = attribute(body, 'MessageDisposition');
  if (disposition !== undefined && disposition !== 'SaveOnly') {
    throw new EwsFault('ErrorInvalidOperation', 'The simulated tenant sends no mail: MessageDisposition must be SaveOnly.');
  }
  return children(child(body, 'ItemChanges'), 'ItemChange').map((change) =>
    responseFor(
      () => {
        const message = requireItem(context, attribute(child(change, 'ItemId'), 'Id') ?? '');
        const updated = context.tenant.setRead(mailboxId, message.immutableId, readStateOf(change));
        return {
          responseClass: 'Success',
          responseCode: 'NoError',
          payload: { 'm:Items': { 't:Message': { 't:ItemId': itemIdElement(updated) } }, 'm:ConflictResults': { 't:Count': '0' } },
        };
      },
      { 'm:Items': '' },
    ),
  );
}
