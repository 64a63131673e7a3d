import { Parser } from 'htmlparser2';

/** A link of an HTML body and where it stands in the body's text. */
export interface HtmlLink {
  href: string;
  /** Offset in `HtmlReading.text` where the link's element starts. */
  at: number;
}

/** What a reader sees of an HTML body: its text, one line per block, and its links. */
export interface HtmlReading {
  text: string;
  links: HtmlLink[];
  /** True when the HTML nested deeper than MAX_OPEN_ELEMENTS and the rest of it was not read. */
  truncated: boolean;
}

/**
 * htmlparser2's cost per element grows with the number of open elements, so a hostile body of
 * nested tags would take minutes; real mail nests a few dozen deep. The HTML is fed in chunks
 * and reading stops at the first chunk that went past the limit.
 */
export const MAX_OPEN_ELEMENTS = 1000;
const CHUNK_CHARS = 16 * 1024;

/** Elements that start a new line when rendered, so header lines of a forward stay lines. */
const LINE_BREAKING = new Set([
  'br', 'p', 'div', 'tr', 'li', 'hr', 'table', 'blockquote', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'pre',
]);
const INVISIBLE = new Set(['script', 'style', 'head', 'title']);
const LINKING = new Set(['a', 'area']);

export function readHtml(html: string): HtmlReading {
  const pieces: string[] = [];
  const links: HtmlLink[] = [];
  let length = 0;
  let hidden = 0;
  let open = 0;
  const append = (piece: string): void => {
    pieces.push(piece);
    length += piece.length;
  };
  const parser = new Parser({
    onopentag(name, attributes) {
      open++;
      if (INVISIBLE.has(name)) hidden++;
      if (LINE_BREAKING.has(name)) append('\n');
      const href = attributes.href;
      if (LINKING.has(name) && href) links.push({ href: href.trim(), at: length });
    },
    onclosetag(name) {
      open--;
      if (INVISIBLE.has(name)) hidden = Math.max(0, hidden - 1);
      if (LINE_BREAKING.has(name)) append('\n');
    },
    ontext(text) {
      // Source line breaks are layout, not text; &nbsp; (U+00A0) counts as a space as well.
      if (hidden === 0) append(text.replace(/\s+/g, ' '));
    },
  });
  let offset = 0;
  for (; offset < html.length && open <= MAX_OPEN_ELEMENTS; offset += CHUNK_CHARS) {
    parser.write(html.slice(offset, offset + CHUNK_CHARS));
  }
  const truncated = offset < html.length;
  parser.end();
  return { text: pieces.join(''), links, truncated };
}
