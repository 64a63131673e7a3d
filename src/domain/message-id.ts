import { z } from 'zod';

/**
 * An RFC 5322 Message-ID in canonical form: wrapped in angle brackets, no whitespace, the
 * domain part lower-cased (domains are case-insensitive; the local part is not, so it is kept).
 * Two alerts about one message must canonicalise to the same string, or they would start two
 * incidents.
 */
export function canonicalMessageId(raw: string): string {
  const bare = raw.trim().replace(/^<|>$/g, '');
  const at = bare.lastIndexOf('@');
  const canonical = at < 0 ? bare : `${bare.slice(0, at)}@${bare.slice(at + 1).toLowerCase()}`;
  return `<${canonical}>`;
}

export const MessageId = z
  .string()
  .trim()
  .min(3)
  .max(998)
  .regex(/^<?[^<>\s]+>?$/, 'a Message-ID has no spaces and at most one pair of angle brackets')
  .transform(canonicalMessageId);
