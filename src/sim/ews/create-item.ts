import { z } from 'zod';
import { TenantError } from '../errors.js';
import { messageFromMime } from '../mime.js';
import { assignedMessageId } from '../mime-fields.js';
import { EwsFault, EwsResponseError, responseForAsync } from './errors.js';
import { requireMailbox, singleFolder, type OperationContext } from './ids.js';
import { itemIdElement } from './item-shape.js';
import type { ResponseMessage } from './soap.js';
import { attribute, child, children, childText, text, type XmlNode } from './xml.js';

const MessageDisposition = z.enum(['SaveOnly', 'SendOnly', 'SendAndSaveCopy']);

/** Strict base64 (whitespace allowed between groups), as Exchange decodes MimeContent. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decodeMime(message: XmlNode): Buffer {
  const mimeContent = child(message, 'MimeContent');
  if (!mimeContent) throw new EwsResponseError('ErrorInvalidRequest', 'The simulated tenant creates messages from MimeContent only; the item has none.');
  const compact = (text(mimeContent) ?? '').replace(/\s+/g, '');
  if (!BASE64.test(compact)) throw new EwsResponseError('ErrorMimeContentInvalidBase64String', 'The MIME content is not a valid base64 string.');
  return Buffer.from(compact, 'base64');
}

/** Stores one `t:Message` from its MIME; content that cannot become a message is ErrorMimeContentConversionFailed. */
async function saveMessage(context: OperationContext, folderId: string, message: XmlNode): Promise<ResponseMessage> {
  const mailboxId = requireMailbox(context);
  const raw = decodeMime(message);
  const address = context.tenant.mailbox(mailboxId)!.address;
  try {
    const fields = await messageFromMime(raw, () => assignedMessageId({ address }));
    const isRead = childText(message, 'IsRead')?.toLowerCase() === 'true';
    const created = context.tenant.importMessage(mailboxId, folderId, fields, { mime: raw, isRead });
    return { responseClass: 'Success', responseCode: 'NoError', payload: { 'm:Items': { 't:Message': { 't:ItemId': itemIdElement(created) } } } };
  } catch (error) {
    if ((error instanceof TenantError && error.code === 'InvalidMime') || error instanceof z.ZodError) {
      throw new EwsResponseError('ErrorMimeContentConversionFailed', `The MIME content could not be converted to a message: ${error instanceof TenantError ? error.message : 'a header is malformed'}.`);
    }
    throw error;
  }
}

/**
 * CreateItem with `MessageDisposition="SaveOnly"`: each `t:Message` is imported from its
 * MimeContent into SavedItemFolderId (Drafts when absent), as a client restoring or copying a
 * message does. The simulated tenant sends no mail, so the sending dispositions are refused.
 */
export async function createItem(context: OperationContext, body: XmlNode): Promise<ResponseMessage[]> {
  const messages = children(child(body, 'Items'), 'Message');
  if (messages.length === 0) throw new EwsFault('ErrorInvalidRequest', 'CreateItem here takes t:Message items only.');
  const disposition = MessageDisposition.optional().safeParse(attribute(body, 'MessageDisposition'));
  if (!disposition.success) throw new EwsFault('ErrorSchemaValidation', 'MessageDisposition must be SaveOnly, SendOnly or SendAndSaveCopy.');
  const savedItemFolderId = child(body, 'SavedItemFolderId');
  const responses: ResponseMessage[] = [];
  // One at a time, so the new items get ids in the request's order.
  for (const message of messages) {
    responses.push(
      await responseForAsync(async () => {
        if (disposition.data === undefined) throw new EwsResponseError('ErrorMessageDispositionRequired', 'MessageDisposition is required when creating a message.');
        if (disposition.data !== 'SaveOnly') {
          throw new EwsResponseError('ErrorInvalidOperation', `The simulated tenant sends no mail: MessageDisposition ${disposition.data} is not supported, use SaveOnly.`);
        }
        const folder = savedItemFolderId ? singleFolder(context, savedItemFolderId) : context.tenant.requireFolder(requireMailbox(context), 'drafts');
        return saveMessage(context, folder.id, message);
      }, { 'm:Items': '' }),
    );
  }
  return responses;
}
