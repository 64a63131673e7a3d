import { z } from 'zod';
import { MessageId } from './message-id.js';

/**
 * CR, LF or NUL in a header value would let a sender forge headers in anything Clawback writes
 * (notifications, provider searches, exports), so they are refused rather than stripped.
 */
export const HEADER_BREAK = /[\r\n\0]/;
const HEADER_BREAK_MESSAGE = 'CR, LF and NUL are not allowed here (header injection)';
const headerSafe = () => z.string().refine((value) => !HEADER_BREAK.test(value), HEADER_BREAK_MESSAGE);

export const Address = headerSafe().pipe(z.email()).transform((a) => a.toLowerCase());

export const ThreatClassification = z.enum([
  'phish',
  'malware',
  'spam',
  'impostor',
  'bec',
  'suspicious',
  'other',
]);
export type ThreatClassification = z.infer<typeof ThreatClassification>;

/** Where the vendor says the threat stands: TAP's `threatStatus` vocabulary. */
export const ThreatStatus = z.enum(['active', 'cleared', 'falsePositive']);
export type ThreatStatus = z.infer<typeof ThreatStatus>;

/** The formats alerts arrive in. */
export const AlertFormat = z.enum(['clawback', 'trap', 'tap', 'fireeye', 'csv']);
export type AlertFormat = z.infer<typeof AlertFormat>;

/** Recipients one alert may name; sources with more split them over several alerts. */
export const MAX_ALERT_RECIPIENTS = 50_000;

/** The one alert shape every source is normalised to. */
export const Alert = z
  .object({
    alertId: z.string().min(1).max(200).optional().describe("the source's own id, used to de-duplicate re-sent alerts"),
    messageId: headerSafe().pipe(MessageId).describe('Internet Message-ID of the malicious message'),
    sender: Address.describe('envelope or header sender'),
    recipients: z.array(Address).min(1).max(MAX_ALERT_RECIPIENTS).describe('addresses the message was delivered to: users, aliases, lists'),
    subject: headerSafe().max(2000).optional(),
    receivedAt: z.iso.datetime({ offset: true }).optional().describe('when the message was delivered (ISO 8601)'),
    threat: z
      .object({
        classification: ThreatClassification,
        score: z.number().min(0).max(100).optional(),
        detail: z.string().max(4000).optional(),
        status: ThreatStatus.optional().describe("the vendor's verdict on the threat now: active, cleared or falsePositive"),
        urls: z.array(z.string().min(1).max(4000)).max(100).optional().describe('malicious URLs in the message'),
      })
      .strict(),
    raw: z
      .object({
        format: AlertFormat,
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
      })
      .strict()
      .optional()
      .describe("the vendor record this alert was normalised from: its format and a digest of its JSON, for audit"),
  })
  .strict();

export type Alert = z.infer<typeof Alert>;
export type AlertInput = z.input<typeof Alert>;
