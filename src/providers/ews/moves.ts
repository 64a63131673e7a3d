import { ItemId, ServiceError, ServiceResult, type ExchangeService, type FolderId } from 'ews-javascript-api';
import { responseError, type CallContext } from './errors.js';

export type MoveOutcome = { moved: true; newItemId: string } | { moved: false; code: ServiceError; detail: string };

/** Codes that mean "this item is no longer where it was": the caller looks for it again. */
export const ITEM_GONE = new Set([ServiceError.ErrorItemNotFound, ServiceError.ErrorInvalidIdMalformed]);

/**
 * MoveItem with many ItemIds per request, `batchSize` at a time, returning each item's new id
 * (ids change on move; undo needs the new one). Per-item refusals are returned; ErrorServerBusy
 * in any response throws, so the whole call is retried after the back-off.
 */
export async function moveItems(service: ExchangeService, itemIds: string[], to: FolderId, batchSize: number, at: CallContext): Promise<Map<string, MoveOutcome>> {
  const outcomes = new Map<string, MoveOutcome>();
  for (let start = 0; start < itemIds.length; start += batchSize) {
    const chunk = itemIds.slice(start, start + batchSize);
    const responses = await service.MoveItems(chunk.map((id) => new ItemId(id)), to, true);
    responses.Responses.forEach((response, i) => {
      const id = chunk[i]!;
      if (response.Result !== ServiceResult.Error && response.Item) outcomes.set(id, { moved: true, newItemId: response.Item.Id.UniqueId });
      else if (response.ErrorCode === ServiceError.ErrorServerBusy) throw responseError(response, at);
      else outcomes.set(id, { moved: false, code: response.ErrorCode, detail: `${ServiceError[response.ErrorCode]}: ${response.ErrorMessage}` });
    });
  }
  return outcomes;
}
