/** A page of a list and the token of the next one; tokens are opaque to clients, offsets here. */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

export class InvalidPageToken extends Error {
  constructor(readonly pageToken: string) {
    super(`Invalid pageToken: ${pageToken}`);
    this.name = 'InvalidPageToken';
  }
}

/** Reads `maxResults`: absent or unparsable means the default, and no page is larger than `max`. */
export function pageSize(maxResults: string | undefined, defaultSize: number, max: number): number {
  const size = Number.parseInt(maxResults ?? '', 10);
  return Number.isFinite(size) && size > 0 ? Math.min(size, max) : defaultSize;
}

export function pageOf<T>(items: T[], size: number, pageToken: string | undefined): Page<T> {
  let offset = 0;
  if (pageToken) {
    offset = Number(Buffer.from(pageToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(offset) || offset < 0) throw new InvalidPageToken(pageToken);
  }
  const end = offset + size;
  return { items: items.slice(offset, end), ...(end < items.length ? { nextPageToken: Buffer.from(String(end)).toString('base64url') } : {}) };
}
