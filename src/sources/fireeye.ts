import { z } from 'zod';
import type { ThreatClassification } from '../domain/alert.js';
import { parseTolerant, rawDigest, toCandidate, type Candidate, type ParsedBody } from './candidate.js';
import { addressList, messageIdFromHeaderBlock } from './fields.js';

/** FireEye / Trellix EX severities (`crit`, `majr`, `minr`, any case, or spelt out) on 0–100. */
const SEVERITY_SCORES: Record<string, number> = { crit: 95, critical: 95, majr: 80, major: 80, minr: 50, minor: 50 };

const Addresses = z.union([z.string(), z.array(z.string())]);

const Malware = z
  .object({
    name: z.string().optional(),
    type: z.string().optional(),
    md5sum: z.unknown().optional(),
    sha256: z.unknown().optional(),
    original: z.unknown().optional(),
    url: z.string().optional(),
    sid: z.unknown().optional(),
    stype: z.unknown().optional(),
    application: z.unknown().optional(),
    'downloaded-at': z.unknown().optional(),
    executed_at: z.unknown().optional(),
    profile: z.unknown().optional(),
  })
  .strict();

/** One EX email alert, as the HTTP notification pushes it (JSON, normal or extended). */
export const FireEyeAlert = z
  .object({
    id: z.union([z.string(), z.number()]).optional(),
    uuid: z.string().optional(),
    name: z.string().optional(),
    severity: z.string().optional(),
    occurred: z.string().optional(),
    product: z.unknown().optional(),
    action: z.unknown().optional(),
    'alert-url': z.unknown().optional(),
    malicious: z.unknown().optional(),
    'queue-id': z.string().optional(),
    src: z.object({ 'smtp-mail-from': z.string().optional(), ip: z.unknown().optional(), host: z.unknown().optional() }).strict().optional(),
    dst: z.object({ 'smtp-to': Addresses.optional(), ip: z.unknown().optional() }).strict().optional(),
    'smtp-message': z
      .object({
        subject: z.string().optional(),
        'message-id': z.string().optional(),
        'queue-id': z.string().optional(),
        id: z.unknown().optional(),
        'smtp-header': z.string().optional(),
        'last-malware': z.unknown().optional(),
        protocol: z.unknown().optional(),
        date: z.unknown().optional(),
      })
      .strict()
      .optional(),
    explanation: z
      .object({
        'malware-detected': z.object({ malware: z.union([Malware, z.array(Malware)]).optional() }).strict().optional(),
        'cnc-services': z.unknown().optional(),
        'os-changes': z.unknown().optional(),
        protocol: z.unknown().optional(),
        analysis: z.unknown().optional(),
      })
      .strict()
      .optional(),
    interface: z.unknown().optional(),
    'root-infection': z.unknown().optional(),
  })
  .strict();
export type FireEyeAlert = z.infer<typeof FireEyeAlert>;

/** Some EX versions push every scalar as `{"value": …}`: unwrapped before anything reads it. */
export function unwrapValues(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(unwrapValues);
  if (typeof node !== 'object' || node === null) return node;
  const entries = Object.entries(node);
  if (entries.length === 1 && entries[0]![0] === 'value') return unwrapValues(entries[0]![1]);
  return Object.fromEntries(entries.map(([key, value]) => [key, unwrapValues(value)]));
}

function classificationOf(alert: FireEyeAlert, malware: z.infer<typeof Malware>[]): ThreatClassification {
  const names = [alert.name ?? '', ...malware.map((m) => `${m.name ?? ''} ${m.type ?? ''}`)].join(' ').toLowerCase();
  if (names.includes('phish')) return 'phish';
  if (names.includes('riskware')) return 'suspicious';
  return 'malware';
}

const isoOrUndefined = (value: string | undefined) => {
  const time = value ? Date.parse(value) : NaN;
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
};

function fireEyeCandidate(record: unknown, prefix: string): Candidate {
  const parsed = parseTolerant(FireEyeAlert, record, prefix);
  if (!parsed.ok) return parsed;
  const alert = parsed.value;
  const detected = alert.explanation?.['malware-detected']?.malware;
  const malware = detected === undefined ? [] : Array.isArray(detected) ? detected : [detected];
  const message = alert['smtp-message'];
  const queueId = alert['queue-id'] ?? message?.['queue-id'];
  const score = SEVERITY_SCORES[alert.severity?.toLowerCase() ?? ''];
  const urls = malware.flatMap((m) => (m.url ? [m.url] : []));
  const names = malware.flatMap((m) => (m.name ? [m.name] : []));
  const detail = `FireEye EX ${alert.name ?? 'alert'}${alert.severity ? ` (${alert.severity})` : ''}${queueId ? ` queue ${queueId}` : ''}${names.length ? `: ${names.join(', ')}` : ''}`;
  const at = (field: string) => [prefix, field].filter(Boolean).join('.');
  return toCandidate(
    {
      alertId: alert.uuid ?? (alert.id === undefined ? undefined : String(alert.id)),
      messageId: message?.['message-id'] ?? messageIdFromHeaderBlock(message?.['smtp-header']),
      sender: alert.src?.['smtp-mail-from'],
      recipients: addressList(alert.dst?.['smtp-to']),
      subject: message?.subject,
      receivedAt: isoOrUndefined(alert.occurred),
      threat: {
        classification: classificationOf(alert, malware),
        ...(score === undefined ? {} : { score }),
        detail: detail.slice(0, 4000),
        ...(urls.length ? { urls: urls.slice(0, 100) } : {}),
      },
      raw: rawDigest('fireeye', record),
    },
    record,
    parsed.ignoredFields,
    {
      messageId: at('smtp-message.message-id'),
      sender: at('src.smtp-mail-from'),
      recipients: at('dst.smtp-to'),
      subject: at('smtp-message.subject'),
    },
  );
}

/** Envelope keys of the notification around the alert(s). */
const ENVELOPE = ['msg', 'product', 'version', 'appliance', 'appliance-id', 'alert'];

/** `{"alert": {…}}` or `{"alert": [{…}, …]}` (a batch), plain or `{"value"}`-wrapped; or one bare alert. */
export function parseFireEyeBody(body: unknown): ParsedBody {
  const unwrapped = unwrapValues(body);
  const envelope = typeof unwrapped === 'object' && unwrapped !== null && 'alert' in unwrapped ? (unwrapped as Record<string, unknown>) : undefined;
  const alerts = envelope ? envelope.alert : unwrapped;
  const envelopeExtras = envelope ? Object.keys(envelope).filter((key) => !ENVELOPE.includes(key)) : [];
  const withEnvelopeExtras = (candidate: Candidate): Candidate =>
    candidate.ok ? { ...candidate, ignoredFields: [...envelopeExtras, ...candidate.ignoredFields] } : candidate;
  if (Array.isArray(alerts)) return { batch: true, candidates: alerts.map((a, i) => withEnvelopeExtras(fireEyeCandidate(a, `alert.${i}`))) };
  return { batch: false, candidates: [withEnvelopeExtras(fireEyeCandidate(alerts, envelope ? 'alert' : ''))] };
}
