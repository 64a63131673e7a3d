import { z } from 'zod';
import { Disposition, type ReportedOriginal } from '../domain/report.js';
import {
  IndicatorKind,
  addressDomain,
  canonicalAddress,
  canonicalDomain,
  canonicalUrl,
  domainSuffixes,
  urlPrefixes,
  type Indicator,
} from './indicator-kinds.js';

/** The dispositions an indicator list can give; `known-good` comes from the allow-list, `unknown` from nothing. */
export const ListDisposition = Disposition.extract(['malicious', 'suspicious', 'spam', 'bulk', 'low-risk']);
export type ListDisposition = z.infer<typeof ListDisposition>;

/** One list entry found in a reported message. */
export const IndicatorMatch = z.object({
  list: z.string(),
  disposition: ListDisposition,
  kind: IndicatorKind,
  /** The list entry, canonical. */
  indicator: z.string(),
  /** Where it was found, as the message has it: an address, a URL, or an attachment's sha256. */
  value: z.string(),
});
export type IndicatorMatch = z.infer<typeof IndicatorMatch>;

/** One list's entries in sets by kind, so a lookup costs the same for ten entries as for a million. */
export class ListIndex {
  private readonly byKind: Record<IndicatorKind, Set<string>> = { domain: new Set(), url: new Set(), hash: new Set(), sender: new Set() };

  constructor(
    readonly list: string,
    readonly disposition: ListDisposition,
    indicators: Indicator[],
  ) {
    for (const { kind, value } of indicators) this.byKind[kind].add(value);
  }

  has(kind: IndicatorKind, key: string): boolean {
    return this.byKind[kind].has(key);
  }
}

/** A canonical key to look up, and the message value it came from. */
interface Probe {
  kind: IndicatorKind;
  key: string;
  value: string;
}

function addressProbes(address: string): Probe[] {
  const canonical = canonicalAddress(address);
  if (canonical === undefined) return [];
  const domains = domainSuffixes(addressDomain(canonical)).map((key): Probe => ({ kind: 'domain', key, value: address }));
  return [{ kind: 'sender', key: canonical, value: address }, ...domains];
}

function urlProbes(url: string): Probe[] {
  const canonical = canonicalUrl(url);
  if (canonical === undefined) return [];
  const host = canonicalDomain(new URL(canonical).hostname);
  const domains = host === undefined ? [] : domainSuffixes(host).map((key): Probe => ({ kind: 'domain', key, value: url }));
  return [...urlPrefixes(canonical).map((key): Probe => ({ kind: 'url', key, value: url })), ...domains];
}

/** Every key the message could match an entry under: its senders' addresses and domains, its URLs and hosts, its attachments. */
function probesOf(original: ReportedOriginal): Probe[] {
  const addresses = [original.from, ...original.replyTo, original.returnPath].filter((a): a is string => a !== undefined);
  return [
    ...addresses.flatMap(addressProbes),
    ...original.urls.flatMap(({ url }) => urlProbes(url)),
    ...original.attachments.map(({ sha256 }): Probe => ({ kind: 'hash', key: sha256, value: sha256 })),
  ];
}

/** The indicator lists as they were at one moment; matching never waits on a reload. */
export class IndicatorSnapshot {
  constructor(readonly lists: readonly ListIndex[]) {}

  /** Every entry of every list the message matches, once each (an address in From and Return-Path counts once). */
  match(original: ReportedOriginal): IndicatorMatch[] {
    const probes = probesOf(original);
    const matches = new Map<string, IndicatorMatch>();
    for (const index of this.lists) {
      for (const { kind, key, value } of probes) {
        if (!index.has(kind, key)) continue;
        const match = { list: index.list, disposition: index.disposition, kind, indicator: key, value };
        matches.set(JSON.stringify(match), match);
      }
    }
    return [...matches.values()];
  }
}
