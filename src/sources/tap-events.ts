import { z } from 'zod';
import type { ThreatClassification, ThreatStatus } from '../domain/alert.js';
import { parseTolerant, rawDigest, toCandidate, type Candidate, type ParsedBody } from './candidate.js';
import { addressList } from './fields.js';

/**
 * Proofpoint TAP SIEM API records (`/v2/siem/all` and friends). Only delivered messages and
 * permitted clicks reached a mailbox; blocked ones are known fields that start nothing.
 */
const Addresses = z.union([z.string(), z.array(z.string())]);

export const TapThreat = z
  .object({
    threatID: z.string().optional(),
    threatStatus: z.string().optional(),
    classification: z.string().optional(),
    threatUrl: z.string().optional(),
    threatTime: z.string().optional(),
    threat: z.string().optional(),
    campaignID: z.string().nullable().optional(),
    threatType: z.string().optional(),
    actors: z.unknown().optional(),
  })
  .strict();

export const TapMessage = z
  .object({
    GUID: z.string().optional(),
    QID: z.string().optional(),
    id: z.string().optional(),
    messageID: z.string().optional(),
    sender: z.string().optional(),
    recipient: Addresses.optional(),
    subject: z.string().nullable().optional(),
    messageTime: z.string().optional(),
    spamScore: z.number().optional(),
    phishScore: z.number().optional(),
    malwareScore: z.number().optional(),
    impostorScore: z.number().optional(),
    threatsInfoMap: z.array(TapThreat).optional(),
    senderIP: z.unknown().optional(),
    headerFrom: z.unknown().optional(),
    headerReplyTo: z.unknown().optional(),
    fromAddress: z.unknown().optional(),
    ccAddresses: z.unknown().optional(),
    toAddresses: z.unknown().optional(),
    replyToAddress: z.unknown().optional(),
    xmailer: z.unknown().optional(),
    messageParts: z.unknown().optional(),
    messageSize: z.unknown().optional(),
    completelyRewritten: z.unknown().optional(),
    cluster: z.unknown().optional(),
    quarantineFolder: z.unknown().optional(),
    quarantineRule: z.unknown().optional(),
    policyRoutes: z.unknown().optional(),
    modulesRun: z.unknown().optional(),
  })
  .strict();
export type TapMessage = z.infer<typeof TapMessage>;

export const TapClick = z
  .object({
    GUID: z.string().optional(),
    id: z.string().optional(),
    messageID: z.string().optional(),
    sender: z.string().optional(),
    recipient: Addresses.optional(),
    classification: z.string().optional(),
    threatStatus: z.string().optional(),
    threatID: z.string().optional(),
    threatURL: z.string().optional(),
    threatTime: z.string().optional(),
    url: z.string().optional(),
    clickTime: z.string().optional(),
    clickIP: z.unknown().optional(),
    senderIP: z.unknown().optional(),
    userAgent: z.unknown().optional(),
    campaignId: z.unknown().optional(),
  })
  .strict();
export type TapClick = z.infer<typeof TapClick>;

/** The SIEM API's answer: arrays by kind. */
const TapEnvelopeKeys = ['messagesDelivered', 'clicksPermitted', 'messagesBlocked', 'clicksBlocked', 'queryEndTime'] as const;

const CLASSIFICATIONS: Record<string, ThreatClassification> = { malware: 'malware', phish: 'phish', spam: 'spam', impostor: 'impostor' };
const STATUSES: Record<string, ThreatStatus> = { active: 'active', cleared: 'cleared', falsepositive: 'falsePositive' };

const classificationOf = (value: string | undefined): ThreatClassification => CLASSIFICATIONS[value?.toLowerCase() ?? ''] ?? 'other';
const statusOf = (value: string | undefined): ThreatStatus | undefined => STATUSES[value?.toLowerCase() ?? ''];

/** TAP's score for the threat's own classification; the highest one when it has none. */
function scoreOf(message: TapMessage, classification: ThreatClassification): number | undefined {
  const scores: Partial<Record<ThreatClassification, number | undefined>> = {
    phish: message.phishScore,
    malware: message.malwareScore,
    impostor: message.impostorScore,
    spam: message.spamScore,
  };
  const own = scores[classification];
  if (own !== undefined) return own;
  const known = Object.values(scores).filter((s): s is number => s !== undefined);
  return known.length ? Math.max(...known) : undefined;
}

const FIELD_PATHS = { messageId: 'messageID', sender: 'sender', recipients: 'recipient', subject: 'subject', receivedAt: 'messageTime' };

/** One `messagesDelivered` record as an alert; `prefix` names where it sat in the body. */
export function tapMessageCandidate(record: unknown, prefix = ''): Candidate {
  const parsed = parseTolerant(TapMessage, record, prefix);
  if (!parsed.ok) return parsed;
  const message = parsed.value;
  const threats = message.threatsInfoMap ?? [];
  const primary = threats.find((t) => statusOf(t.threatStatus) === 'active') ?? threats[0];
  if (!primary) return { ok: false, issues: [{ path: [prefix, 'threatsInfoMap'].filter(Boolean).join('.'), message: 'a delivered message needs at least one threat' }] };
  const classification = classificationOf(primary.classification);
  const score = scoreOf(message, classification);
  const status = statusOf(primary.threatStatus);
  const urls = threats.filter((t) => t.threatType?.toLowerCase() === 'url' && t.threat).map((t) => t.threat!);
  const detail = threats.map((t) => `TAP ${t.threatType ?? 'threat'} ${t.threatID ?? ''} ${t.threatStatus ?? ''} ${t.threatUrl ?? ''}`.replace(/\s+/g, ' ').trim()).join('; ');
  return toCandidate(
    {
      alertId: message.GUID ?? message.id,
      messageId: message.messageID,
      sender: message.sender,
      recipients: addressList(message.recipient),
      subject: message.subject ?? undefined,
      receivedAt: message.messageTime,
      threat: {
        classification,
        ...(score === undefined ? {} : { score }),
        ...(status ? { status } : {}),
        ...(detail ? { detail: detail.slice(0, 4000) } : {}),
        ...(urls.length ? { urls: urls.slice(0, 100) } : {}),
      },
      raw: rawDigest('tap', record),
    },
    record,
    parsed.ignoredFields,
    prefixed(prefix),
  );
}

/** One `clicksPermitted` record as an alert: the clicked message is pulled from everyone who got it. */
export function tapClickCandidate(record: unknown, prefix = ''): Candidate {
  const parsed = parseTolerant(TapClick, record, prefix);
  if (!parsed.ok) return parsed;
  const click = parsed.value;
  const status = statusOf(click.threatStatus);
  const detail = `TAP click permitted ${click.threatID ?? ''} ${click.threatURL ?? ''}`.replace(/\s+/g, ' ').trim();
  return toCandidate(
    {
      alertId: click.id ?? click.GUID,
      messageId: click.messageID,
      sender: click.sender,
      recipients: addressList(click.recipient),
      threat: {
        classification: classificationOf(click.classification),
        ...(status ? { status } : {}),
        detail,
        ...(click.url ? { urls: [click.url] } : {}),
      },
      raw: rawDigest('tap', record),
    },
    record,
    parsed.ignoredFields,
    { ...prefixed(prefix), receivedAt: [prefix, 'clickTime'].filter(Boolean).join('.') },
  );
}

function prefixed(prefix: string): Record<string, string> {
  return Object.fromEntries(Object.entries(FIELD_PATHS).map(([field, path]) => [field, [prefix, path].filter(Boolean).join('.')]));
}

const isEnvelope = (body: unknown): body is Record<string, unknown> =>
  typeof body === 'object' && body !== null && !Array.isArray(body) && TapEnvelopeKeys.some((key) => key in body);

const isClick = (record: unknown) => typeof record === 'object' && record !== null && ('clickTime' in record || 'threatURL' in record);

/**
 * A SIEM API answer `{messagesDelivered: [...], clicksPermitted: [...]}` (a batch, one answer per
 * record), or one record of either kind.
 */
export function parseTapBody(body: unknown): ParsedBody {
  if (!isEnvelope(body)) return { batch: false, candidates: [isClick(body) ? tapClickCandidate(body) : tapMessageCandidate(body)] };
  const notLists: Candidate[] = TapEnvelopeKeys.filter((key) => key !== 'queryEndTime' && key in body && !Array.isArray(body[key])).map((key) => ({
    ok: false,
    issues: [{ path: key, message: 'expected an array of records' }],
  }));
  const list = (key: string): unknown[] => (Array.isArray(body[key]) ? (body[key] as unknown[]) : []);
  return {
    batch: true,
    candidates: [
      ...notLists,
      ...list('messagesDelivered').map((record, i) => tapMessageCandidate(record, `messagesDelivered.${i}`)),
      ...list('clicksPermitted').map((record, i) => tapClickCandidate(record, `clicksPermitted.${i}`)),
    ],
  };
}
