import { LinkifyIt } from 'linkify-it';
import type { UrlIndicator } from '../domain/report.js';
import { decodeGatewayLink } from './gateways.js';

/** Schemes worth an indicator: what a click opens. `mailto:`, `cid:`, `tel:` and the like are not. */
const WEB_SCHEME = /^(https?|ftp):\/\//i;
/** Wrappers inside wrappers (Safe Links around URL Defense) are peeled this many times at most. */
const MAX_WRAPPING_LAYERS = 4;

// Email addresses are indicators of their own (From, Reply-To), not links.
const linkify = new LinkifyIt().set({ fuzzyEmail: false });

/** The links in plain text, as a mail client would make them clickable. */
export function linksInText(text: string): string[] {
  return (linkify.match(text) ?? []).map((match) => match.url).filter(isWebLink);
}

export function isWebLink(link: string): boolean {
  return WEB_SCHEME.test(link.trim());
}

/** A link with every gateway wrapping it decoded; `wrapped` keeps the link as it appeared. */
export function unwrapLink(link: string): UrlIndicator {
  let url = link.trim();
  for (let layer = 0; layer < MAX_WRAPPING_LAYERS; layer++) {
    const decoded = decodeGatewayLink(url);
    if (decoded === undefined) break;
    url = decoded;
  }
  return url === link.trim() ? { url } : { url, wrapped: link.trim() };
}

export interface UrlIndicators {
  urls: UrlIndicator[];
  /** True when there were more distinct destinations than the limit allowed. */
  truncated: boolean;
}

/** Unwrapped links, one per destination in order of appearance, at most `max` of them. */
export function urlIndicators(links: Iterable<string>, max: number): UrlIndicators {
  const byDestination = new Map<string, UrlIndicator>();
  for (const link of links) {
    const indicator = unwrapLink(link);
    if (byDestination.has(indicator.url)) continue;
    if (byDestination.size >= max) return { urls: [...byDestination.values()], truncated: true };
    byDestination.set(indicator.url, indicator);
  }
  return { urls: [...byDestination.values()], truncated: false };
}
