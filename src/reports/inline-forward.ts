import type { ReportedOriginal } from '../domain/report.js';
import { looseDate } from './dates.js';

/**
 * The header block a mail client writes above a message forwarded inline:
 *
 *   Outlook: `________________________________` or `-----Original Message-----`, then
 *            `From:`, `Sent:`, `To:`, `Cc:`, `Subject:` (HTML bodies often draw a border instead)
 *   Gmail:   `---------- Forwarded message ---------`, then `From:`, `Date:`, `Subject:`, `To:`
 *
 * Header words are recognised in English, German, French and Spanish. The first block in the
 * body is taken: that is the message the reporter received, whatever it quotes in turn.
 */
export interface InlineForward {
  layout: Exclude<ReportedOriginal['found'], 'attachment'>;
  /** Offset in the searched text where the forwarded part (its marker line or header block) starts. */
  start: number;
  headers: Pick<ReportedOriginal, 'from' | 'to' | 'subject' | 'date'>;
}

type Field = 'from' | 'date' | 'to' | 'cc' | 'subject';

const FIELD_OF_WORD: ReadonlyMap<string, Field> = new Map([
  ['from', 'from'], ['von', 'from'], ['de', 'from'],
  ['sent', 'date'], ['date', 'date'], ['gesendet', 'date'], ['datum', 'date'], ['envoyé', 'date'], ['enviado', 'date'], ['fecha', 'date'],
  ['to', 'to'], ['an', 'to'], ['à', 'to'], ['para', 'to'],
  ['cc', 'cc'],
  ['subject', 'subject'], ['betreff', 'subject'], ['objet', 'subject'], ['asunto', 'subject'],
]);

/** `From: …`, `*From:* …` (bold in a text rendering), `De : …` (French spacing), `> From: …` (quoted). */
const HEADER_LINE = /^[\s>]*\*?([\p{L}]+)\*?\s*:\*?\s*(.*)$/u;
const GMAIL_MARKER = /-{3,}\s*(Forwarded message|Weitergeleitete Nachricht|Message transféré|Mensaje reenviado)\s*-{3,}/i;
const OUTLOOK_MARKER = /^[\s>]*(_{10,}|-{3,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original)\s*-{3,})/i;
/** Lines above a header block that are searched for the marker that introduces it. */
const MARKER_REACH = 3;
/** A forward's headers follow the reporter's few lines; a body is not searched for them past this. */
const SEARCH_WINDOW_CHARS = 1024 * 1024;
/** Longer than any header block with a wrapped recipient list; bounds the work a hostile body causes. */
const MAX_BLOCK_LINES = 200;
/** Of date, to and subject, a block must name this many besides From to be a forward's headers. */
const FIELDS_BESIDES_FROM = 2;

const ANGLED_ADDRESS = /<\s*([^<>\s@]+@[^<>\s@]+)\s*>/;
const ADDRESS = /[\p{L}\p{N}.!#$%&'*+/=?^_`{|}~-]+@[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)+/gu;

interface Line {
  text: string;
  offset: number;
}

export function findInlineForward(text: string): InlineForward | undefined {
  const lines = linesOf(text.slice(0, SEARCH_WINDOW_CHARS));
  for (let index = 0; index < lines.length; index++) {
    if (fieldOf(lines[index]?.text ?? '')?.field !== 'from') continue;
    const headers = headerBlock(lines, index);
    const named = (['date', 'to', 'subject'] as const).filter((field) => headers.has(field)).length;
    if (named < FIELDS_BESIDES_FROM) continue;
    return forwardOf(headers, lines, index);
  }
  return undefined;
}

function linesOf(text: string): Line[] {
  const lines: Line[] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    lines.push({ text: line.replace(/\r$/, ''), offset });
    offset += line.length + 1;
  }
  return lines;
}

function fieldOf(line: string): { field: Field; value: string } | undefined {
  const match = HEADER_LINE.exec(line);
  const field = match ? FIELD_OF_WORD.get((match[1] ?? '').toLowerCase()) : undefined;
  return field ? { field, value: (match?.[2] ?? '').trim() } : undefined;
}

/**
 * The header values from the From line on. A line that is no header continues the one above
 * (long recipient lists wrap); a blank line ends the block unless a header line follows it, as
 * clients that render each header as a paragraph put blank lines between them.
 */
function headerBlock(lines: Line[], fromIndex: number): Map<Field, string> {
  const headers = new Map<Field, string>();
  let last: Field | undefined;
  const end = Math.min(lines.length, fromIndex + MAX_BLOCK_LINES);
  for (let index = fromIndex; index < end; index++) {
    const text = lines[index]?.text ?? '';
    const header = fieldOf(text);
    if (header && (headers.has(header.field) || (index > fromIndex && header.field === 'from'))) break;
    if (header) {
      headers.set(header.field, header.value);
      last = header.field;
    } else if (text.trim() === '') {
      if (!fieldOf(nextNonBlank(lines, index) ?? '')) break;
    } else if (last && !blankAbove(lines, index)) {
      headers.set(last, `${headers.get(last)} ${text.trim()}`);
    } else {
      break;
    }
  }
  return headers;
}

function nextNonBlank(lines: Line[], index: number): string | undefined {
  for (let next = index + 1; next < lines.length && next <= index + MAX_BLOCK_LINES; next++) {
    const text = lines[next]?.text ?? '';
    if (text.trim() !== '') return text;
  }
  return undefined;
}

function blankAbove(lines: Line[], index: number): boolean {
  return (lines[index - 1]?.text.trim() ?? '') === '';
}

function forwardOf(headers: Map<Field, string>, lines: Line[], fromIndex: number): InlineForward {
  const above = lines.slice(Math.max(0, fromIndex - MARKER_REACH), fromIndex);
  const gmailMarker = above.find((line) => GMAIL_MARKER.test(line.text));
  const outlookMarker = above.find((line) => OUTLOOK_MARKER.test(line.text));
  const marker = gmailMarker ?? outlookMarker;
  const from = senderAddress(headers.get('from') ?? '');
  const subject = headers.get('subject');
  const date = looseDate(headers.get('date') ?? '');
  return {
    layout: gmailMarker ? 'inline-gmail' : 'inline-outlook',
    start: (marker ?? lines[fromIndex])?.offset ?? 0,
    headers: {
      ...(from ? { from } : {}),
      to: addressesIn(`${headers.get('to') ?? ''} ${headers.get('cc') ?? ''}`),
      ...(subject ? { subject } : {}),
      ...(date ? { date } : {}),
    },
  };
}

/** `Name <addr>` and Outlook's `Name [mailto:addr]` name the address; otherwise the first one. */
function senderAddress(value: string): string | undefined {
  const angled = ANGLED_ADDRESS.exec(withMailtoAngled(value))?.[1];
  return (angled ?? addressesIn(value)[0])?.toLowerCase();
}

function addressesIn(value: string): string[] {
  const found = withMailtoAngled(value).match(ADDRESS) ?? [];
  // An apostrophe may start a local part, but here it is far more often Outlook quoting `'addr'`.
  return [...new Set(found.map((address) => address.replace(/^'+/, '').toLowerCase()))];
}

function withMailtoAngled(value: string): string {
  return value.replace(/\[mailto:([^\]\s]+)\]/gi, '<$1>');
}
