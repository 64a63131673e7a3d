import { createItem } from './create-item.js';
import { deleteItem } from './delete-item.js';
import { createFolder, findFolder } from './folder-operations.js';
import { expandDL, resolveNames } from './directory-operations.js';
import type { OperationContext } from './ids.js';
import { findItem, getItem, moveItem } from './item-operations.js';
import { updateItem } from './update-item.js';
import type { ResponseMessage } from './soap.js';
import type { XmlNode } from './xml.js';

/** An operation answers at once, or waits when it composes or parses MIME. */
export type Operation = (context: OperationContext, body: XmlNode) => ResponseMessage[] | Promise<ResponseMessage[]>;

/** The operations the face answers, by the SOAP Body element's local name. */
export const OPERATIONS: Record<string, Operation> = {
  FindFolder: findFolder,
  CreateFolder: createFolder,
  FindItem: findItem,
  GetItem: getItem,
  CreateItem: createItem,
  MoveItem: moveItem,
  UpdateItem: updateItem,
  DeleteItem: deleteItem,
  ResolveNames: resolveNames,
  ExpandDL: expandDL,
};

/** Operations that name mailboxes in their body and need no impersonation. */
export const DIRECTORY_OPERATIONS = new Set(['ResolveNames', 'ExpandDL']);
