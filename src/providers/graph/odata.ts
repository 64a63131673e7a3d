/**
 * An OData string literal for a value that travels in a query option: quotes doubled, then
 * percent-encoded, because the SDK concatenates query options unencoded and a Message-ID may
 * hold `+ & # '`.
 */
export function odataString(value: string): string {
  return `'${encodeURIComponent(value.replace(/'/g, "''"))}'`;
}

/** A path segment (a user or message id) that may hold `/`, `+` or `=`. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
