import { createHash } from 'node:crypto';
import type { AddressObject, Attachment, EmailAddress, ParsedMail } from 'mailparser';
import { MessageId } from '../domain/message-id.js';
import type { AttachmentIndicator, ReportedOriginal } from '../domain/report.js';
import { looseDate } from './dates.js';
import { MAX_OPEN_ELEMENTS, readHtml, type HtmlReading } from './html.js';
import { findInlineForward } from './inline-forward.js';
import { isWebLink, linksInText, urlIndicators } from './urls.js';

/** Where a message's indicators go wrong, said in the caller's terms (which message, which limit). */
export type NoteProblem = (detail: string) => void;

/** The indicators of a message attached to a report, read from its own headers and body. */
export function attachedOriginal(mail: ParsedMail, maxUrls: number, note: NoteProblem): ReportedOriginal {
  const messageId = mail.messageId === undefined ? undefined : MessageId.safeParse(mail.messageId);
  if (messageId && !messageId.success) note(`Message-ID ${JSON.stringify(mail.messageId)} is malformed: left out`);
  const from = addressesOf(mail.from)[0];
  const returnPath = addressesOf(addressHeader(mail, 'return-path'))[0];
  const date = looseDate(headerText(mail, 'date') ?? '');
  const html = htmlOf(mail, note);
  const links = [...linksInText(mail.text ?? ''), ...(html ? htmlLinks(html, 0) : [])];
  return {
    found: 'attachment',
    ...(messageId?.success ? { messageId: messageId.data } : {}),
    ...(from ? { from } : {}),
    replyTo: addressesOf(mail.replyTo),
    ...(returnPath ? { returnPath } : {}),
    to: [...new Set([...addressesOf(mail.to), ...addressesOf(mail.cc)])],
    ...(mail.subject ? { subject: mail.subject } : {}),
    ...(date ? { date } : {}),
    urls: cappedUrls(links, maxUrls, note),
    attachments: mail.attachments.map(attachmentIndicator),
  };
}

/**
 * The message a report forwards inline, from the header block its client wrote into the body.
 * Clients attach the forwarded message's attachments to the forward, so the report's are its.
 */
export function inlineOriginal(report: ParsedMail, maxUrls: number, note: NoteProblem): ReportedOriginal | undefined {
  const text = report.text ?? '';
  const html = htmlOf(report, note);
  const inText = findInlineForward(text);
  const inHtml = html ? findInlineForward(html.text) : undefined;
  const forward = inText ?? inHtml;
  if (!forward) return undefined;
  const links = [
    ...(inText ? linksInText(text.slice(inText.start)) : []),
    ...(html && inHtml ? htmlLinks(html, inHtml.start) : []),
  ];
  return {
    found: forward.layout,
    ...forward.headers,
    replyTo: [],
    urls: cappedUrls(links, maxUrls, note),
    attachments: report.attachments.map(attachmentIndicator),
  };
}

/** Addresses of an address header, groups flattened, lower case, each once. */
export function addressesOf(header: AddressObject | AddressObject[] | undefined): string[] {
  const objects = header === undefined ? [] : Array.isArray(header) ? header : [header];
  const flatten = (entry: EmailAddress): EmailAddress[] => [entry, ...(entry.group ?? []).flatMap(flatten)];
  const addresses = objects
    .flatMap((object) => object.value.flatMap(flatten))
    .flatMap((entry) => (entry.address ? [entry.address.toLowerCase()] : []));
  return [...new Set(addresses)];
}

function htmlOf(mail: ParsedMail, note: NoteProblem): HtmlReading | undefined {
  if (!mail.html) return undefined;
  const reading = readHtml(mail.html);
  if (reading.truncated) note(`HTML nests more than ${MAX_OPEN_ELEMENTS} elements deep: the rest of it was not read`);
  return reading;
}

/** The links of an HTML body from a text offset on: hrefs, and URLs written out in its text. */
function htmlLinks(html: HtmlReading, from: number): string[] {
  const hrefs = html.links.filter((link) => link.at >= from && isWebLink(link.href)).map((link) => link.href);
  return [...linksInText(html.text.slice(from)), ...hrefs];
}

function cappedUrls(links: string[], maxUrls: number, note: NoteProblem): ReportedOriginal['urls'] {
  const { urls, truncated } = urlIndicators(links, maxUrls);
  if (truncated) note(`more than ${maxUrls} distinct URLs: the rest were left out`);
  return urls;
}

function attachmentIndicator(attachment: Attachment): AttachmentIndicator {
  return {
    ...(attachment.filename ? { filename: attachment.filename } : {}),
    contentType: attachment.contentType,
    size: attachment.content.length,
    sha256: createHash('sha256').update(attachment.content).digest('hex'),
  };
}

function addressHeader(mail: ParsedMail, name: string): AddressObject | undefined {
  const value = mail.headers.get(name);
  return typeof value === 'object' && value !== null && 'value' in value && Array.isArray(value.value)
    ? (value as AddressObject)
    : undefined;
}

/**
 * A header's text as written. mailparser replaces a `Date` it cannot read with the current time,
 * which would date the message wrongly, so dates are read from the raw line instead.
 */
function headerText(mail: ParsedMail, name: string): string | undefined {
  const line = mail.headerLines.find((header) => header.key === name)?.line;
  return line?.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
}
