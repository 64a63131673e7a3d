import { z } from 'zod';
import { EwsFault, responseFor } from './errors.js';
import { itemIds, requireMailbox, type OperationContext } from './ids.js';
import { requireItem } from './item-operations.js';
import type { ResponseMessage } from './soap.js';
import { attribute, child, type XmlNode } from './xml.js';

const DisposalType = z.enum(['HardDelete', 'SoftDelete', 'MoveToDeletedItems']);
type DisposalType = z.infer<typeof DisposalType>;

/**
 * Where each disposal leaves a message: MoveToDeletedItems moves it to Deleted Items, SoftDelete
 * to Recoverable Items (remembering the folder it left, for a SoftDeleted traversal of that
 * folder), HardDelete removes it from the store.
 */
function dispose(context: OperationContext, mailboxId: string, id: string, deleteType: DisposalType): void {
  const message = requireItem(context, id);
  if (deleteType === 'HardDelete') {
    context.tenant.hardDelete(mailboxId, message.immutableId);
    return;
  }
  if (deleteType === 'MoveToDeletedItems') {
    context.tenant.move(mailboxId, message.immutableId, 'deleteditems');
    return;
  }
  const deletions = context.tenant.requireFolder(mailboxId, 'recoverableitemsdeletions');
  // Already soft-deleted: it stays where it is and keeps the folder it came from.
  if (message.folderId === deletions.id) return;
  context.tenant.move(mailboxId, message.immutableId, deletions.id, { softDeletedFrom: message.folderId });
}

/** One response message per item: an unknown id fails alone, the other deletions go through. */
export function deleteItem(context: OperationContext, body: XmlNode): ResponseMessage[] {
  const mailboxId = requireMailbox(context);
  const deleteType = DisposalType.safeParse(attribute(body, 'DeleteType'));
  if (!deleteType.success) throw new EwsFault('ErrorSchemaValidation', 'DeleteType must be HardDelete, SoftDelete or MoveToDeletedItems.');
  return itemIds(child(body, 'ItemIds')).map((id) =>
    responseFor(() => {
      dispose(context, mailboxId, id, deleteType.data);
      return { responseClass: 'Success', responseCode: 'NoError' };
    }),
  );
}
