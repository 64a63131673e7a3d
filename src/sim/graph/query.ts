/**
 * Query options as Graph reads them. The SDK concatenates option values unencoded, so a client
 * must encode `+ & #` itself; each key and value is decoded once here with decodeURIComponent,
 * which (unlike form decoding) keeps a literal `+`.
 */

export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 1000;

export class InvalidQuery extends Error {
  override readonly name = 'InvalidQuery';
}

export type QueryOptions = Map<string, string>;

export function parseQuery(url: string): QueryOptions {
  const options: QueryOptions = new Map();
  const start = url.indexOf('?');
  if (start < 0) return options;
  for (const pair of url.slice(start + 1).split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const [rawKey, rawValue] = equals < 0 ? [pair, ''] : [pair.slice(0, equals), pair.slice(equals + 1)];
    try {
      options.set(decodeURIComponent(rawKey), decodeURIComponent(rawValue));
    } catch {
      throw new InvalidQuery(`The query option "${rawKey}" is not correctly percent-encoded.`);
    }
  }
  return options;
}

/** `$select` as property names, or undefined when absent (the resource's default set applies). */
export function selectedProperties(options: QueryOptions): string[] | undefined {
  const select = options.get('$select');
  if (select === undefined) return undefined;
  return select
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
}

/**
 * Keeps the properties `$select` names (case-insensitively, as Graph does) or the default set;
 * `id` always stays.
 */
export function project<T extends Record<string, unknown>>(resource: T, selected: string[] | undefined, defaults: readonly string[]): Partial<T> {
  const wanted = new Set([...(selected ?? defaults), 'id'].map((name) => name.toLowerCase()));
  return Object.fromEntries(Object.entries(resource).filter(([key]) => key.startsWith('@odata.') || wanted.has(key.toLowerCase()))) as Partial<T>;
}

function pageSize(options: QueryOptions): number {
  const top = options.get('$top');
  if (top === undefined) return DEFAULT_PAGE_SIZE;
  const size = Number(top);
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new InvalidQuery(`Invalid value '${top}' for $top: an integer from 1 to ${MAX_PAGE_SIZE}.`);
  }
  return size;
}

/** The skip token is opaque to clients; here it is the offset of the next page. */
function pageOffset(options: QueryOptions): number {
  const token = options.get('$skiptoken');
  if (token === undefined) return 0;
  const offset = Number(Buffer.from(token, 'base64url').toString('utf8').replace(/^offset:/, ''));
  if (!Number.isInteger(offset) || offset < 0) throw new InvalidQuery('The $skiptoken is not one this service issued.');
  return offset;
}

export interface Page<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

/**
 * One page of a collection. The next link is absolute and repeats every option but the skip
 * token, encoded, so a client that follows it verbatim gets the same query's next page.
 */
export function page<T>(items: T[], options: QueryOptions, absolutePath: string): Page<T> {
  const size = pageSize(options);
  const offset = pageOffset(options);
  const value = items.slice(offset, offset + size);
  if (offset + size >= items.length) return { value };
  const next = new Map(options);
  next.set('$skiptoken', Buffer.from(`offset:${offset + size}`).toString('base64url'));
  const query = [...next].map(([key, val]) => `${encodeURIComponent(key)}=${encodeURIComponent(val)}`).join('&');
  return { value, '@odata.nextLink': `${absolutePath}?${query}` };
}
