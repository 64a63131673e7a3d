import { z } from 'zod';
import { MessageId } from './message-id.js';

const Address = z.email().transform((a) => a.toLowerCase());

export const ThreatClassification = z.enum([
  'phish',
  'malware',
  'spam',
  'impostor',
  'bec',
  'suspicious',
  'other',
]);

/** The one alert shape every source is normalised to. */
export const Alert = z
  .object({
    alertId: z.string().min(1).max(200).optional().describe("the source's own id, used to de-duplicate re-sent alerts"),
    messageId: MessageId.describe('Internet Message-ID of the malicious message'),
    sender: Address.describe('envelope or header sender'),
    recipients: z.array(Address).min(1).max(50_000).describe('addresses the message was delivered to: users, aliases, lists'),
    subject: z.string().max(2000).optional(),
    receivedAt: z.iso.datetime({ offset: true }).optional().describe('when the message was delivered (ISO 8601)'),
    threat: z
      .object({
        classification: ThreatClassification,
        score: z.number().min(0).max(100).optional(),
        detail: z.string().max(4000).optional(),
      })
      .strict(),
  })
  .strict();

export type Alert = z.infer<typeof Alert>;
export type AlertInput = z.input<typeof Alert>;
