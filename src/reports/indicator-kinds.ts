import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { z } from 'zod';

/**
 * The four kinds of indicator and the canonical form each is compared in, so a list entry and a
 * value from a message meet in one spelling (lower case, IDN as punycode, URL defaults dropped).
 */
export const IndicatorKind = z.enum(['domain', 'url', 'hash', 'sender']);
export type IndicatorKind = z.infer<typeof IndicatorKind>;

export interface Indicator {
  kind: IndicatorKind;
  /** Canonical form. */
  value: string;
}

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
const SHA256 = /^[0-9a-f]{64}$/i;

/** A host or domain in canonical form, or undefined when it is not a well-formed name. */
export function canonicalDomain(text: string): string | undefined {
  const ascii = domainToASCII(text.trim()).replace(/\.$/, '');
  return ascii !== '' && ascii.length <= 253 && ascii.split('.').every((label) => LABEL.test(label)) ? ascii : undefined;
}

/** `local@domain` in lower case with the domain canonical; angle brackets are tolerated (Return-Path). */
export function canonicalAddress(text: string): string | undefined {
  const bare = text.trim().replace(/^<(.*)>$/, '$1');
  const at = bare.lastIndexOf('@');
  const local = bare.slice(0, at).toLowerCase();
  if (at <= 0 || /\s/.test(local)) return undefined;
  const domain = canonicalDomain(bare.slice(at + 1));
  return domain && `${local}@${domain}`;
}

/** Lower-case scheme and host, IDN host as punycode, default port and fragment dropped, `/` after a bare host. */
export function canonicalUrl(text: string): string | undefined {
  if (!text.includes('://')) return undefined;
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  if (url.hostname === '') return undefined;
  // The URL parser lower-cases hosts only for web schemes; defanged ones (`hxxp://`) keep their case.
  url.hostname = domainToASCII(url.hostname) || url.hostname.toLowerCase();
  url.hash = '';
  return url.href;
}

export function canonicalHash(text: string): string | undefined {
  const trimmed = text.trim();
  return SHA256.test(trimmed) ? trimmed.toLowerCase() : undefined;
}

/** Every domain a host belongs to, itself first: `a.evil.example`, `evil.example`, `example`. An IP address only as itself. */
export function domainSuffixes(host: string): string[] {
  if (isIP(host) !== 0) return [host];
  const labels = host.split('.');
  return labels.map((_, i) => labels.slice(i).join('.'));
}

/**
 * The canonical URL and every shorter form of it a list URL may be a prefix of at a path-segment
 * boundary: `https://x.example/a/b?q` → itself, `…/a/b`, `…/a/`, `…/a`, `https://x.example/`.
 */
export function urlPrefixes(canonical: string): string[] {
  const pathStart = canonical.indexOf('/', canonical.indexOf('://') + 3);
  if (pathStart < 0) return [canonical];
  const query = canonical.indexOf('?', pathStart);
  const path = query < 0 ? canonical : canonical.slice(0, query);
  const prefixes = new Set([canonical, path]);
  for (let slash = path.lastIndexOf('/'); slash >= pathStart; slash = path.lastIndexOf('/', slash - 1)) {
    prefixes.add(path.slice(0, slash + 1));
    if (slash > pathStart) prefixes.add(path.slice(0, slash));
  }
  return [...prefixes];
}

/** The domain of an address, canonical. */
export function addressDomain(canonicalAddr: string): string {
  return canonicalAddr.slice(canonicalAddr.lastIndexOf('@') + 1);
}

const CANONICAL_FORM: Record<IndicatorKind, (text: string) => string | undefined> = {
  domain: canonicalDomain,
  url: canonicalUrl,
  hash: canonicalHash,
  sender: canonicalAddress,
};

const KIND_NAME: Record<IndicatorKind, string> = {
  domain: 'a domain',
  url: 'a URL',
  hash: 'a sha256 hash (64 hex digits)',
  sender: 'an address',
};

/** The kind a line of an indicator file is read as: 64 hex → hash; `://` → URL; `@` → sender; else a domain. */
export function detectKind(text: string): IndicatorKind {
  if (SHA256.test(text)) return 'hash';
  if (text.includes('://')) return 'url';
  return text.includes('@') ? 'sender' : 'domain';
}

/** Reads one indicator of a known kind; the error says what was expected. */
export function readIndicator(kind: IndicatorKind, text: string): Indicator | { error: string } {
  const value = CANONICAL_FORM[kind](text);
  return value === undefined ? { error: `"${text}" is not ${KIND_NAME[kind]}` } : { kind, value };
}

/** A zod string of one kind, turned into its canonical form. */
export function canonicalString(kind: IndicatorKind) {
  return z.string().transform((text, ctx) => {
    const read = readIndicator(kind, text);
    if ('value' in read) return read.value;
    ctx.addIssue({ code: 'custom', message: read.error });
    return z.NEVER;
  });
}
