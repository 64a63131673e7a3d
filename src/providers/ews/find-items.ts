import {
  BasePropertySet,
  EmailMessageSchema,
  ExtendedPropertyDefinition,
  FolderId,
  ItemSchema,
  ItemView,
  MapiPropertyType,
  PropertySet,
  SearchFilter,
  ServiceError,
  ServiceErrorHandling,
  ServiceResult,
  type ExchangeService,
  type FindItemResponse,
  type Item,
  type PropertyDefinitionBase,
  type ServiceResponseCollection,
  type ViewBase,
} from 'ews-javascript-api';
import { responseError, type CallContext } from './errors.js';

/** PR_INTERNET_MESSAGE_ID: the Message-ID header, searchable with a restriction. */
export const MESSAGE_ID_PROPERTY = new ExtendedPropertyDefinition(0x1035, MapiPropertyType.String);
/** PR_IN_REPLY_TO_ID: the In-Reply-To header. */
export const IN_REPLY_TO_PROPERTY = new ExtendedPropertyDefinition(0x1042, MapiPropertyType.String);

/** EWSFindCountLimit: with a restriction FindItem returns at most 250 items per page, 1000 without. */
const PAGE_WITH_RESTRICTION = 250;
const PAGE_WITHOUT_RESTRICTION = 1000;

/** Parent folders per FindItem request: Exchange answers one response message per folder. */
const FOLDERS_PER_REQUEST = 50;

/** What a found copy needs: where it is, how it reads, and enough for the fallback match. */
export const COPY_PROPERTIES: PropertyDefinitionBase[] = [
  ItemSchema.ParentFolderId,
  ItemSchema.Subject,
  ItemSchema.DateTimeReceived,
  EmailMessageSchema.IsRead,
  EmailMessageSchema.InternetMessageId,
  EmailMessageSchema.From,
];

/**
 * FindItem over several folders in one request: the library supports it through its six-argument
 * form, which its type declarations leave out.
 */
type MultiFolderFindItems = (
  parentFolderIds: FolderId[],
  searchFilter: SearchFilter | null,
  queryString: null,
  view: ViewBase,
  groupBy: null,
  errorHandlingMode: ServiceErrorHandling,
) => Promise<ServiceResponseCollection<FindItemResponse<Item>>>;

/** An item found, with the folder it was asked for under (a well-known one has no id of ours). */
export interface FoundItem {
  item: Item;
  folder: FolderId;
}

/**
 * Every item matching `filter` (all items when null) in `folders`, many folders per request and
 * each folder paged to its end. A folder that vanished meanwhile is skipped; any other failure
 * (ErrorServerBusy in a response message included) is thrown.
 */
export async function findItems(
  service: ExchangeService,
  folders: FolderId[],
  filter: SearchFilter | null,
  properties: PropertyDefinitionBase[],
  at: CallContext,
): Promise<FoundItem[]> {
  const pageSize = filter ? PAGE_WITH_RESTRICTION : PAGE_WITHOUT_RESTRICTION;
  const find = service.FindItems as unknown as MultiFolderFindItems;
  const found: FoundItem[] = [];
  for (let start = 0; start < folders.length; start += FOLDERS_PER_REQUEST) {
    let pending = folders.slice(start, start + FOLDERS_PER_REQUEST);
    // Every folder starts at 0 with the same page size, so those with more left share the next offset.
    for (let offset = 0; pending.length > 0; offset += pageSize) {
      const view = new ItemView(pageSize, offset);
      view.PropertySet = new PropertySet(BasePropertySet.IdOnly, properties);
      const responses = await find.call(service, pending, filter, null, view, null, ServiceErrorHandling.ReturnErrors);
      const next: FolderId[] = [];
      responses.Responses.forEach((response, i) => {
        const folder = pending[i]!;
        if (response.Result === ServiceResult.Error) {
          if (response.ErrorCode === ServiceError.ErrorFolderNotFound) return;
          throw responseError(response, at);
        }
        found.push(...response.Results.Items.map((item) => ({ item, folder })));
        if (response.Results.MoreAvailable && response.Results.Items.length > 0) next.push(folder);
      });
      pending = next;
    }
  }
  return found;
}

export function messageIdFilter(messageId: string): SearchFilter {
  return new SearchFilter.IsEqualTo(MESSAGE_ID_PROPERTY, messageId);
}
