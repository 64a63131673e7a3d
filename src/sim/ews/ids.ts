import { WellKnownFolderName } from '../folders.js';
import type { FolderView, Tenant } from '../model.js';
import { EwsFault, EwsResponseError } from './errors.js';
import { attribute, children, inDocumentOrder, type XmlNode } from './xml.js';

/** The simulated store keeps no versions; one change key stands for "current". */
export const CHANGE_KEY = 'AQAAABYAAAA=';

/** What every operation works on: the tenant and, for mailbox operations, the impersonated mailbox. */
export interface OperationContext {
  tenant: Tenant;
  /** Undefined when the caller impersonates no one and owns no mailbox. */
  mailboxId: string | undefined;
}

export function requireMailbox(context: OperationContext): string {
  if (!context.mailboxId) throw new EwsFault('ErrorNonExistentMailbox', 'The request names no mailbox: use ExchangeImpersonation.');
  return context.mailboxId;
}

export function folderIdElement(id: string): XmlNode {
  return { '@_Id': id, '@_ChangeKey': CHANGE_KEY };
}

/**
 * `root` is the top of the whole store in Exchange; the simulated mailbox has one root
 * (msgfolderroot), so both name it.
 */
function wellKnownName(distinguishedId: string): WellKnownFolderName | undefined {
  const name = distinguishedId.toLowerCase() === 'root' ? 'msgfolderroot' : distinguishedId.toLowerCase();
  const parsed = WellKnownFolderName.safeParse(name);
  return parsed.success ? parsed.data : undefined;
}

/** The folders a `FolderId`/`DistinguishedFolderId` list names, in the request's order. */
export function folderRefs(container: XmlNode | undefined): { ref: string; distinguished?: string }[] {
  const distinguishedIds = children(container, 'DistinguishedFolderId');
  return inDocumentOrder([...children(container, 'FolderId'), ...distinguishedIds]).map((id) => {
    if (distinguishedIds.includes(id)) {
      const distinguished = attribute(id, 'Id') ?? '';
      return { ref: wellKnownName(distinguished) ?? `unknown:${distinguished}`, distinguished };
    }
    return { ref: attribute(id, 'Id') ?? '' };
  });
}

/** A folder of the mailbox, or ErrorFolderNotFound for this one response message. */
export function resolveFolder(context: OperationContext, ref: string): FolderView {
  const mailboxId = requireMailbox(context);
  const folder = ref.startsWith('unknown:') ? undefined : context.tenant.findFolder(mailboxId, ref);
  if (!folder) throw new EwsResponseError('ErrorFolderNotFound', 'The specified folder could not be found in the store.');
  return folder;
}

/** The single folder of a `ToFolderId`/`ParentFolderId` element. */
export function singleFolder(context: OperationContext, container: XmlNode | undefined): FolderView {
  const [first] = folderRefs(container);
  if (!first) throw new EwsFault('ErrorInvalidRequest', 'The request names no target folder.');
  return resolveFolder(context, first.ref);
}

export function itemIds(container: XmlNode | undefined): string[] {
  return children(container, 'ItemId').map((id) => attribute(id, 'Id') ?? '');
}

/** Extended MAPI property tags arrive in hex (`0x1035`) or, from ews-javascript-api, in decimal (`4149`). */
export function propertyTag(uri: XmlNode | undefined): number | undefined {
  const tag = attribute(uri, 'PropertyTag');
  if (tag === undefined) return undefined;
  const value = Number(tag);
  return Number.isInteger(value) ? value : undefined;
}

export function hexTag(tag: number): string {
  return `0x${tag.toString(16).padStart(4, '0')}`;
}
