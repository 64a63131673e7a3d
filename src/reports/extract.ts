import { simpleParser, type ParsedMail } from 'mailparser';
import { MessageId } from '../domain/message-id.js';
import type { ParsedReport, ReportedOriginal } from '../domain/report.js';
import { addressesOf, attachedOriginal, inlineOriginal } from './original-indicators.js';
import { reportLimits, type ReportLimits } from './limits.js';
import { headerBlockExceeds, mimeDamage } from './mime-damage.js';
import { ProblemLog, reasonOf } from './problems.js';

export type { ReportLimits } from './limits.js';

/**
 * A report mailed to the abuse mailbox, parsed into the message(s) it reports. Never throws:
 * whatever the bytes, the result carries what could be recovered and, in `problems`, what could not.
 *
 * Originals are found in this order:
 * - every message attached to the report (`message/rfc822`, or a `.eml` file of any content type
 *   as Outlook's "report phishing" sends it) is an original, and so is every message attached to
 *   those in turn, down to `maxDepth`: a report that attaches a forward which attaches the phish
 *   yields both, and the verdict weighs each;
 * - with none attached, a message forwarded inline (Outlook or Gmail layout) in the report's text
 *   or HTML body.
 */
export async function parseReport(raw: Buffer, limits: Partial<ReportLimits> = {}): Promise<ParsedReport> {
  const problems = new ProblemLog();
  try {
    return await parseWithin(raw, reportLimits(limits), problems);
  } catch (error) {
    problems.add(REPORT, `parsing stopped: ${reasonOf(error)}`);
    return { originals: [], problems: problems.list() };
  }
}

/**
 * A message as it sits in a mailbox (the reporter's own copy of what they reported), read into the
 * same indicators an attached original gives; never throws.
 */
export async function parseOriginal(raw: Buffer, limits: Partial<ReportLimits> = {}): Promise<{ original?: ReportedOriginal; problems: string[] }> {
  const problems = new ProblemLog();
  const within = reportLimits(limits);
  const where = 'stored copy';
  try {
    if (raw.length > within.maxBytes) {
      problems.add(where, `${raw.length} bytes is over the limit of ${within.maxBytes}: not parsed`);
      return { problems: problems.list() };
    }
    const mail = await readMessage(raw, where, within, problems);
    if (!mail || mail.headerLines.length === 0) return { problems: problems.list() };
    return { original: attachedOriginal(mail, within.maxUrls, (detail) => problems.add(where, detail)), problems: problems.list() };
  } catch (error) {
    problems.add(where, `parsing stopped: ${reasonOf(error)}`);
    return { problems: problems.list() };
  }
}

const REPORT = 'report';
const NO_HEADERS = 'has no message headers: not an email message';

const PARSER_OPTIONS = {
  // Attached messages are opened one level at a time here, within the depth limit.
  ignoreEmbedded: true,
  // Bodies are read from the HTML directly (src/reports/html.ts); these renderings would be unused work.
  skipHtmlToText: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  skipImageLinks: true,
  keepCidLinks: true,
  // Attachment hashes are SHA-256, computed where the indicators are built.
  checksumAlgo: false,
} as const;

interface Walk {
  limits: ReportLimits;
  problems: ProblemLog;
  originals: ReportedOriginal[];
}

async function parseWithin(raw: Buffer, limits: ReportLimits, problems: ProblemLog): Promise<ParsedReport> {
  if (raw.length > limits.maxBytes) {
    problems.add(REPORT, `${raw.length} bytes is over the limit of ${limits.maxBytes}: not parsed`);
    return { originals: [], problems: problems.list() };
  }
  const report = await readMessage(raw, REPORT, limits, problems);
  if (!report) return { originals: [], problems: problems.list() };
  if (report.headerLines.length === 0) problems.add(REPORT, NO_HEADERS);

  const walk: Walk = { limits, problems, originals: [] };
  await collectAttached(report, '', 1, walk);
  if (walk.originals.length === 0) {
    const inline = inlineOriginal(report, limits.maxUrls, (detail) => problems.add(REPORT, detail));
    if (inline) walk.originals.push(inline);
  }
  if (walk.originals.length === 0) {
    problems.add(REPORT, 'no reported message found: none is attached and the body forwards none');
  }
  return { ...reportFields(report, problems), originals: walk.originals, problems: problems.list() };
}

/** Opens the messages attached to `message`, which sit at `depth`, depth first. */
async function collectAttached(message: ParsedMail, path: string, depth: number, walk: Walk): Promise<void> {
  const attached = message.attachments.filter(isAttachedMessage);
  for (const [index, attachment] of attached.entries()) {
    const where = `attached message ${path}${index + 1}`;
    if (depth > walk.limits.maxDepth) {
      walk.problems.add(where, `nested ${depth} messages deep, over the limit of ${walk.limits.maxDepth}: not opened`);
      continue;
    }
    if (walk.originals.length >= walk.limits.maxOriginals) {
      walk.problems.add(REPORT, `more than ${walk.limits.maxOriginals} attached messages: the rest were not opened`);
      return;
    }
    const mail = await readMessage(attachment.content, where, walk.limits, walk.problems);
    if (!mail) continue;
    if (mail.headerLines.length === 0) {
      walk.problems.add(where, NO_HEADERS);
      continue;
    }
    walk.originals.push(attachedOriginal(mail, walk.limits.maxUrls, (detail) => walk.problems.add(where, detail)));
    await collectAttached(mail, `${path}${index + 1}.`, depth + 1, walk);
  }
}

function isAttachedMessage(attachment: ParsedMail['attachments'][number]): boolean {
  return attachment.contentType === 'message/rfc822' || /\.eml$/i.test(attachment.filename ?? '');
}

async function readMessage(
  raw: Buffer,
  where: string,
  limits: ReportLimits,
  problems: ProblemLog,
): Promise<ParsedMail | undefined> {
  if (headerBlockExceeds(raw, limits.maxHeaderBytes)) {
    problems.add(where, `header block is over the limit of ${limits.maxHeaderBytes} bytes: not parsed`);
    return undefined;
  }
  for (const damage of mimeDamage(raw)) problems.add(where, damage);
  try {
    return await simpleParser(raw, { ...PARSER_OPTIONS, maxHeadSize: limits.maxHeaderBytes });
  } catch (error) {
    problems.add(where, `could not be parsed: ${reasonOf(error)}`);
    return undefined;
  }
}

function reportFields(report: ParsedMail, problems: ProblemLog): Pick<ParsedReport, 'reporter' | 'messageId' | 'subject'> {
  const reporter = addressesOf(report.from)[0];
  const messageId = report.messageId === undefined ? undefined : MessageId.safeParse(report.messageId);
  if (messageId && !messageId.success) problems.add(REPORT, `Message-ID ${JSON.stringify(report.messageId)} is malformed`);
  return {
    ...(reporter ? { reporter } : {}),
    ...(messageId?.success ? { messageId: messageId.data } : {}),
    ...(report.subject ? { subject: report.subject } : {}),
  };
}
