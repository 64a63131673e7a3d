import { z } from 'zod';
import { TenantError } from '../errors.js';
import type { FolderView } from '../model.js';
import { EwsFault, EwsResponseError, responseFor } from './errors.js';
import { folderIdElement, folderRefs, hexTag, propertyTag, requireMailbox, resolveFolder, singleFolder, type OperationContext } from './ids.js';
import { indexedPage, rootFolderMessage } from './paging.js';
import type { ResponseMessage } from './soap.js';
import { attribute, child, children, childText, type XmlNode } from './xml.js';

/** PR_ATTR_HIDDEN: Exchange's flag for folders mail clients do not show. */
export const PR_ATTR_HIDDEN = 0x10f4;

/** Folders returned by FindFolder per page when the view sets no size. */
const FIND_FOLDER_LIMIT = 1000;

const Traversal = z.enum(['Shallow', 'Deep', 'SoftDeleted']);

/** Whether the FolderShape asks for PR_ATTR_HIDDEN, so the answer carries it. */
function wantsHiddenFlag(shape: XmlNode | undefined): boolean {
  return children(child(shape, 'AdditionalProperties'), 'ExtendedFieldURI').some((uri) => propertyTag(uri) === PR_ATTR_HIDDEN);
}

function folderElement(context: OperationContext, folder: FolderView, all: FolderView[], withHiddenFlag: boolean): XmlNode {
  const mailboxId = requireMailbox(context);
  const messages = context.tenant.messagesIn(mailboxId, folder.id);
  return {
    't:FolderId': folderIdElement(folder.id),
    ...(folder.parentId ? { 't:ParentFolderId': folderIdElement(folder.parentId) } : {}),
    't:FolderClass': 'IPF.Note',
    't:DisplayName': folder.displayName,
    't:TotalCount': String(messages.length),
    't:ChildFolderCount': String(all.filter((f) => f.parentId === folder.id).length),
    ...(withHiddenFlag
      ? {
          't:ExtendedProperty': {
            't:ExtendedFieldURI': { '@_PropertyTag': hexTag(PR_ATTR_HIDDEN), '@_PropertyType': 'Boolean' },
            't:Value': String(folder.isHidden),
          },
        }
      : {}),
    't:UnreadCount': String(messages.filter((m) => !m.isRead).length),
  };
}

/**
 * The folders under `parent`. Recoverable Items lives outside the IPM subtree in Exchange, so a
 * traversal from msgfolderroot leaves it out and one from `root` includes it; user folders marked
 * hidden are returned either way (clients read PR_ATTR_HIDDEN to filter them).
 */
function foldersUnder(parent: FolderView, all: FolderView[], deep: boolean, fromStoreRoot: boolean): FolderView[] {
  const visible = all.filter((f) => fromStoreRoot || f.wellKnownName !== 'recoverableitemsdeletions');
  const result: FolderView[] = [];
  const walk = (parentId: string) => {
    for (const folder of visible.filter((f) => f.parentId === parentId)) {
      result.push(folder);
      if (deep) walk(folder.id);
    }
  };
  walk(parent.id);
  return result;
}

export function findFolder(context: OperationContext, body: XmlNode): ResponseMessage[] {
  const traversal = Traversal.safeParse(attribute(body, 'Traversal') ?? 'Shallow');
  if (!traversal.success) throw new EwsFault('ErrorSchemaValidation', 'Traversal must be Shallow, Deep or SoftDeleted.');
  const withHiddenFlag = wantsHiddenFlag(child(body, 'FolderShape'));
  const all = context.tenant.listFolders(requireMailbox(context), { includeHidden: true });
  return folderRefs(child(body, 'ParentFolderIds')).map(({ ref, distinguished }) =>
    responseFor(() => {
      const parent = resolveFolder(context, ref);
      const found = traversal.data === 'SoftDeleted' ? [] : foldersUnder(parent, all, traversal.data === 'Deep', distinguished?.toLowerCase() === 'root');
      const page = indexedPage(found, child(body, 'IndexedPageFolderView'), FIND_FOLDER_LIMIT);
      return rootFolderMessage(page, {
        't:Folders': { 't:Folder': page.items.map((folder) => folderElement(context, folder, all, withHiddenFlag)) },
      });
    }),
  );
}

/** Whether a new folder sets PR_ATTR_HIDDEN to true. */
function isHiddenRequested(folder: XmlNode): boolean {
  return children(folder, 'ExtendedProperty').some((property) => {
    const uri = child(property, 'ExtendedFieldURI');
    return propertyTag(uri) === PR_ATTR_HIDDEN && childText(property, 'Value')?.toLowerCase() === 'true';
  });
}

export function createFolder(context: OperationContext, body: XmlNode): ResponseMessage[] {
  const mailboxId = requireMailbox(context);
  const folders = child(body, 'Folders');
  const requested = [...children(folders, 'Folder'), ...children(folders, 'SearchFolder')];
  return requested.map((folder) =>
    responseFor(
      () => {
        const parent = singleFolder(context, child(body, 'ParentFolderId'));
        const displayName = childText(folder, 'DisplayName') ?? '';
        try {
          const created = context.tenant.createFolder(mailboxId, displayName, { parentFolderId: parent.id, isHidden: isHiddenRequested(folder) });
          return { responseClass: 'Success', responseCode: 'NoError', payload: { 'm:Folders': { 't:Folder': { 't:FolderId': folderIdElement(created.id) } } } };
        } catch (error) {
          if (error instanceof TenantError && error.code === 'FolderExists') throw new EwsResponseError('ErrorFolderExists', 'A folder with the specified name already exists.');
          if (error instanceof TenantError && error.code === 'InvalidFolderName') throw new EwsResponseError('ErrorInvalidFolderId', error.message);
          throw error;
        }
      },
      { 'm:Folders': '' },
    ),
  );
}
