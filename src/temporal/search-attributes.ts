import { isGrpcServiceError, type Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
// The SDK exports this converter for registering search attributes; it is not re-exported from the package root.
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import { searchAttributes } from '../../workflows/messages.js';
import { tapSearchAttributes } from '../../workflows/tap-poller-messages.js';
import { reportSearchAttributes } from '../../workflows/report-messages.js';
import type { Logger } from '../log.js';

const GRPC_ALREADY_EXISTS = 6;

/** Every search attribute Clawback's workflows set, as declared in workflows/messages.ts. */
export const clawbackSearchAttributes = [...Object.values(searchAttributes), ...Object.values(tapSearchAttributes), ...Object.values(reportSearchAttributes)];

/** `--search-attribute Name=Type` arguments for `temporal server start-dev`. */
export function searchAttributeFlags(): string[] {
  return clawbackSearchAttributes.flatMap((key) => [
    '--search-attribute',
    `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`,
  ]);
}

/** A search attribute already registered with another type; workflows would fail to set it. */
export class SearchAttributeTypeConflict extends Error {
  override readonly name = 'SearchAttributeTypeConflict';

  constructor(
    readonly namespace: string,
    readonly conflicts: readonly { name: string; wanted: string; registered: number }[],
  ) {
    super(
      `Namespace ${namespace} has search attributes registered with another type: ` +
        conflicts.map((c) => `${c.name} (wanted ${c.wanted}, registered as indexed value type ${c.registered})`).join(', '),
    );
  }
}

/**
 * Registers Clawback's search attributes in `namespace`, adding only the missing ones, so it is
 * safe on every start and against a shared cluster.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string, logger: Logger): Promise<void> {
  const missing = await missingSearchAttributes(connection, namespace);
  if (missing.size === 0) return;
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: Object.fromEntries(missing) });
  } catch (error) {
    // A worker and the API starting together may both add them; what counts is that they exist now.
    if (!isGrpcServiceError(error) || error.code !== GRPC_ALREADY_EXISTS) throw error;
    if ((await missingSearchAttributes(connection, namespace)).size > 0) throw error;
  }
  logger.info({ namespace, added: [...missing.keys()] }, 'registered search attributes');
}

async function missingSearchAttributes(connection: Connection, namespace: string): Promise<Map<string, number>> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = new Map<string, number>();
  const conflicts: { name: string; wanted: string; registered: number }[] = [];
  for (const key of clawbackSearchAttributes) {
    const wanted = encodeSearchAttributeIndexedValueType(key.type);
    if (wanted === undefined) throw new TypeError(`search attribute ${key.name} has no indexed value type for ${key.type}`);
    const registered = customAttributes[key.name];
    if (registered === undefined) missing.set(key.name, wanted);
    else if (registered !== wanted) conflicts.push({ name: key.name, wanted: key.type, registered });
  }
  if (conflicts.length > 0) throw new SearchAttributeTypeConflict(namespace, conflicts);
  return missing;
}
