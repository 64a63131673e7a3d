/** Small readers for the shapes vendors give common fields in. */

/** A header by name, whatever the case of the vendor's key; the first value of a repeated one. */
export function headerValue(headers: Record<string, unknown> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

/** Recipients given as one string (possibly comma- or semicolon-separated) or as a list. */
export function addressList(value: string | string[] | undefined): string[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return list.flatMap((entry) => entry.split(/[,;]/)).map((address) => address.replace(/^[ \t]+|[ \t]+$/g, '')).filter(Boolean);
}

/** The Message-ID line of a raw header block (folded lines joined), if it has one. */
export function messageIdFromHeaderBlock(block: string | undefined): string | undefined {
  const match = /^message-id:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(block ?? '');
  return match?.[1]?.replace(/\r?\n[ \t]+/g, ' ').trim() || undefined;
}
