import { z } from 'zod';

/** What Clawback concluded about a reported message; only `malicious` is pulled. */
export const Disposition = z.enum(['malicious', 'suspicious', 'spam', 'bulk', 'low-risk', 'known-good', 'unknown']);
export type Disposition = z.infer<typeof Disposition>;

/** Most severe first: a report of several messages is answered with the worst of them. */
export const DISPOSITION_SEVERITY: readonly Disposition[] = Disposition.options;

export function worstDisposition(dispositions: Disposition[]): Disposition {
  return DISPOSITION_SEVERITY.find((d) => dispositions.includes(d)) ?? 'unknown';
}

export const AttachmentIndicator = z.object({
  filename: z.string().optional(),
  contentType: z.string(),
  size: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type AttachmentIndicator = z.infer<typeof AttachmentIndicator>;

export const UrlIndicator = z.object({
  /** The destination, unwrapped from a gateway's rewriting when it was recognised. */
  url: z.string(),
  /** The link as it appeared, when a gateway had rewritten it (e.g. `urldefense.com/v3/...`). */
  wrapped: z.string().optional(),
});
export type UrlIndicator = z.infer<typeof UrlIndicator>;

/** How the reported message was found inside the report. */
export const OriginalSource = z.enum(['attachment', 'inline-outlook', 'inline-gmail']);

/** The message a user reported, with what a verdict and an incident need from it. */
export const ReportedOriginal = z.object({
  found: OriginalSource,
  /** Canonical `<…>`; inline forwards carry none, and it is then looked up in the reporter's mailbox. */
  messageId: z.string().optional(),
  from: z.string().optional().describe('address, lower case'),
  replyTo: z.array(z.string()),
  returnPath: z.string().optional(),
  to: z.array(z.string()).describe('To and Cc addresses of the original, lower case'),
  subject: z.string().optional(),
  date: z.string().optional().describe('ISO 8601'),
  urls: z.array(UrlIndicator),
  attachments: z.array(AttachmentIndicator),
});
export type ReportedOriginal = z.infer<typeof ReportedOriginal>;

/** One report, parsed: who sent it and the message(s) it carries. */
export const ParsedReport = z.object({
  reporter: z.string().optional().describe("the report's From address, lower case"),
  messageId: z.string().optional().describe("the report's own Message-ID"),
  subject: z.string().optional(),
  /** Empty when no reported message could be recovered: the report is kept for an analyst. */
  originals: z.array(ReportedOriginal),
  /** What was odd or cut short while parsing (depth, sizes, encodings), for the analyst. */
  problems: z.array(z.string()),
});
export type ParsedReport = z.infer<typeof ParsedReport>;

/** A disposition and every reason that led to it. */
export const Verdict = z.object({
  disposition: Disposition,
  reasons: z.array(z.string()).min(1),
});
export type Verdict = z.infer<typeof Verdict>;
