import { z } from 'zod';
import type { IncidentStatus } from '../domain/incident.js';
import { DISPOSITION_SEVERITY, worstDisposition, type Disposition, type ReportedOriginal, type Verdict } from '../domain/report.js';
import { addressDomain, canonicalAddress, canonicalString, canonicalUrl, domainSuffixes } from './indicator-kinds.js';
import { IndicatorList, type IndicatorMatch } from './indicators.js';

export const VerdictSettings = z
  .object({
    indicators: z.array(IndicatorList).default([]),
    /** Trusted senders: mail from them is known-good unless an incident or a malicious list says otherwise. */
    allow: z
      .object({
        senders: z.array(canonicalString('sender')).default([]),
        /** Subdomains included. */
        domains: z.array(canonicalString('domain')).default([]),
      })
      .strict()
      .default({ senders: [], domains: [] }),
    /** This many distinct users reporting one message make it malicious; absent = off. */
    reportersThreshold: z.number().int().min(1).optional(),
  })
  .strict()
  .superRefine(({ indicators }, ctx) => {
    indicators.forEach((list, i) => {
      if (indicators.findIndex((other) => other.id === list.id) !== i) {
        ctx.addIssue({ code: 'custom', path: ['indicators', i, 'id'], message: `indicator list ${list.id} is configured twice` });
      }
    });
  });
export type VerdictSettings = z.infer<typeof VerdictSettings>;

export interface VerdictFacts {
  original: ReportedOriginal;
  distinctReporters: number;
  /** The incident already open for the message, if any. */
  incident?: { incidentId: string; status: IncidentStatus };
}

/** What one precedence step found: a disposition when it decides, and why (or why not). */
interface Finding {
  disposition?: Disposition;
  reasons: string[];
}

function describeMatch(match: IndicatorMatch): string {
  const subject = {
    domain: `domain of ${match.value}`,
    url: `URL ${match.value}`,
    hash: `attachment with sha256 ${match.value}`,
    sender: `sender ${match.value}`,
  }[match.kind];
  // Name the entry only when it differs from what was found (a parent domain, a URL prefix).
  const exact = match.kind === 'hash' || match.kind === 'sender' || (match.kind === 'url' && canonicalUrl(match.value) === match.indicator);
  const entry = exact ? `list ${match.list}` : `${match.indicator} on list ${match.list}`;
  const severity = match.disposition === 'malicious' ? '' : ` (${match.disposition})`;
  return `${subject} matches ${entry}${severity}`;
}

function incidentFinding(incident: VerdictFacts['incident']): Finding | undefined {
  if (incident === undefined || incident.status === 'undone') return undefined;
  return { disposition: 'malicious', reasons: [`incident ${incident.incidentId} already ${incident.status}`] };
}

function undoneFinding(incident: VerdictFacts['incident']): Finding | undefined {
  if (incident?.status !== 'undone') return undefined;
  return { disposition: 'known-good', reasons: [`an analyst undid incident ${incident.incidentId}`] };
}

function maliciousListFinding(matches: IndicatorMatch[]): Finding | undefined {
  const malicious = matches.filter((m) => m.disposition === 'malicious');
  return malicious.length === 0 ? undefined : { disposition: 'malicious', reasons: malicious.map(describeMatch) };
}

/** The allow-list entry an address falls under (`sender …` or `domain …`), if any. */
function allowEntry(address: string, allow: VerdictSettings['allow']): string | undefined {
  const canonical = canonicalAddress(address);
  if (canonical === undefined) return undefined;
  if (allow.senders.includes(canonical)) return `sender ${canonical}`;
  const domain = domainSuffixes(addressDomain(canonical)).find((d) => allow.domains.includes(d));
  return domain && `domain ${domain}`;
}

/** From allow-listed and every Reply-To too; a Reply-To outside the list (a lookalike) voids it, which is said. */
function allowListFinding(original: ReportedOriginal, allow: VerdictSettings['allow']): Finding | undefined {
  const entry = original.from === undefined ? undefined : allowEntry(original.from, allow);
  if (entry === undefined) return undefined;
  const allowed = `From ${original.from} is allow-listed (${entry})`;
  const outside = original.replyTo.filter((address) => allowEntry(address, allow) === undefined);
  if (outside.length > 0) {
    return { reasons: [`${allowed}, but Reply-To ${outside.join(', ')} is not, so the allow-list does not apply`] };
  }
  const replyTo = original.replyTo.length > 0 ? ' and so is every Reply-To' : '';
  return { disposition: 'known-good', reasons: [`${allowed}${replyTo}`] };
}

function reportersFinding(distinctReporters: number, threshold: number | undefined): Finding | undefined {
  if (threshold === undefined || distinctReporters < threshold) return undefined;
  return { disposition: 'malicious', reasons: [`${distinctReporters} distinct reporters, threshold ${threshold}`] };
}

function otherListsFinding(matches: IndicatorMatch[]): Finding | undefined {
  const others = matches.filter((m) => m.disposition !== 'malicious');
  if (others.length === 0) return undefined;
  const bySeverity = [...others].sort((a, b) => DISPOSITION_SEVERITY.indexOf(a.disposition) - DISPOSITION_SEVERITY.indexOf(b.disposition));
  return { disposition: worstDisposition(others.map((m) => m.disposition)), reasons: bySeverity.map(describeMatch) };
}

const NOTHING_APPLIED = 'no indicator, allow-list, incident or reporters threshold applied';

/**
 * The verdict on one reported message. Steps in precedence order: an open incident, a malicious
 * list, an analyst's undo, the allow-list, the reporters threshold, the other lists. The first step
 * that decides gives the disposition and the first reason; every other step that applied adds its own.
 */
export function judge(facts: VerdictFacts, matches: IndicatorMatch[], settings: VerdictSettings): Verdict {
  const findings = [
    incidentFinding(facts.incident),
    maliciousListFinding(matches),
    undoneFinding(facts.incident),
    allowListFinding(facts.original, settings.allow),
    reportersFinding(facts.distinctReporters, settings.reportersThreshold),
    otherListsFinding(matches),
  ].filter((f): f is Finding => f !== undefined);
  const decider = findings.find((f) => f.disposition !== undefined);
  const rest = findings.filter((f) => f !== decider).flatMap((f) => f.reasons);
  if (decider?.disposition === undefined) return { disposition: 'unknown', reasons: [NOTHING_APPLIED, ...rest] };
  return { disposition: decider.disposition, reasons: [...decider.reasons, ...rest] };
}
