import { z } from 'zod';
import type { ThreatClassification } from '../domain/alert.js';
import { parseTolerant, rawDigest, toCandidate, type Candidate, type ParsedBody } from './candidate.js';
import { addressList, headerValue } from './fields.js';

/** TRAP's two severity vocabularies (JSON alert source and UI) on one 0–100 scale. */
const SEVERITY_SCORES: Record<string, number> = {
  info: 10,
  informational: 10,
  minor: 30,
  low: 30,
  moderate: 50,
  medium: 50,
  major: 80,
  high: 80,
  critical: 95,
};

const CLASSIFICATIONS: Record<string, ThreatClassification> = {
  malware: 'malware',
  'command-and-control': 'malware',
  phish: 'phish',
  spam: 'spam',
  impostor: 'impostor',
  'reported-abuse': 'suspicious',
};

const Addresses = z.union([z.string(), z.array(z.string())]);

const TrapEmail = z
  .object({
    sender: z.string().optional(),
    recipient: Addresses.optional(),
    recipients: Addresses.optional(),
    subject: z.string().optional(),
    message_id: z.string().optional(),
    messageId: z.string().optional(),
    header: z.record(z.string(), z.unknown()).optional(),
    headers: z.record(z.string(), z.unknown()).optional(),
    body: z.unknown().optional(),
    body_type: z.unknown().optional(),
    urls: z.array(z.string()).optional(),
    attachments: z.unknown().optional(),
    abuse_copy: z.unknown().optional(),
  })
  .strict();

/** The JSON alert source 2.0 body; host objects are known but carry nothing a pull needs. */
export const TrapAlert = z
  .object({
    json_version: z.literal('2.0').optional(),
    summary: z.string().max(4000).optional(),
    severity: z
      .string()
      .refine((s) => s.toLowerCase() in SEVERITY_SCORES, 'one of info, minor, moderate, major, critical or Informational, Low, Medium, High, Critical')
      .optional(),
    classification: z.string().optional(),
    email: TrapEmail,
    threat_info: z.record(z.string(), z.unknown()).optional(),
    custom_fields: z.record(z.string(), z.unknown()).optional(),
    link_attribute: z.string().optional(),
    attacker: z.unknown().optional(),
    target: z.unknown().optional(),
    detector: z.unknown().optional(),
    cnc_hosts: z.unknown().optional(),
    forensics_hosts: z.unknown().optional(),
  })
  .strict();
export type TrapAlert = z.infer<typeof TrapAlert>;

/** A TRAP-compatible JSON alert: always one alert per request. */
export function parseTrapBody(body: unknown): ParsedBody {
  return { batch: false, candidates: [trapCandidate(body)] };
}

function trapCandidate(record: unknown): Candidate {
  const parsed = parseTolerant(TrapAlert, record);
  if (!parsed.ok) return parsed;
  const trap = parsed.value;
  const { email } = trap;
  const threatUrl = typeof trap.threat_info?.url === 'string' ? [trap.threat_info.url] : [];
  const urls = [...(email.urls ?? []), ...threatUrl];
  const threatName = typeof trap.threat_info?.name === 'string' ? trap.threat_info.name : undefined;
  const detail = [trap.summary, threatName && `threat: ${threatName}`].filter(Boolean).join('; ');
  return toCandidate(
    {
      messageId: headerValue(email.header, 'message-id') ?? headerValue(email.headers, 'message-id') ?? email.message_id ?? email.messageId,
      sender: email.sender,
      recipients: addressList(email.recipient ?? email.recipients),
      subject: email.subject,
      threat: {
        classification: CLASSIFICATIONS[trap.classification?.toLowerCase() ?? ''] ?? 'other',
        ...(trap.severity ? { score: SEVERITY_SCORES[trap.severity.toLowerCase()] } : {}),
        ...(detail ? { detail: detail.slice(0, 4000) } : {}),
        ...(urls.length ? { urls: urls.slice(0, 100) } : {}),
      },
      raw: rawDigest('trap', record),
    },
    record,
    parsed.ignoredFields,
    { messageId: 'email.header.message-id', sender: 'email.sender', recipients: 'email.recipient', subject: 'email.subject' },
  );
}
