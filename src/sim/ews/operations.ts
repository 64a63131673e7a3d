import { createFolder, findFolder } from './folder-operations.js';
import { expandDL, resolveNames } from './directory-operations.js';
import type { OperationContext } from './ids.js';
import { findItem, getItem, moveItem } from './item-operations.js';
import type { ResponseMessage } from './soap.js';
import type { XmlNode } from './xml.js';

export type Operation = (context: OperationContext, body: XmlNode) => ResponseMessage[];

/** The operations the face answers, by the SOAP Body element's local name. */
export const OPERATIONS: Record<string, Operation> = {
  FindFolder: findFolder,
  CreateFolder: createFolder,
  FindItem: findItem,
  GetItem: getItem,
  MoveItem: moveItem,
  ResolveNames: resolveNames,
  ExpandDL: expandDL,
};

/** Operations that name mailboxes in their body and need no impersonation. */
export const DIRECTORY_OPERATIONS = new Set(['ResolveNames', 'ExpandDL']);
