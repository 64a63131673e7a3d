/**
 * MIME multipart bodies as Google's front end takes them (RFC 2046): `multipart/related` media
 * uploads and `multipart/mixed` batches. Bytes stay Buffers so an 8-bit message survives.
 */

export class MultipartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MultipartError';
  }
}

/** A header block (part headers, or an HTTP message's) and what follows its blank line. */
export interface Section {
  /** The block's lines, folded lines joined; for an HTTP message the first is its start line. */
  lines: string[];
  body: Buffer;
}

/** The boundary of a `multipart/<subtype>` Content-Type, or undefined when it is not one. */
export function boundaryOf(contentType: string | undefined, subtype: 'related' | 'mixed'): string | undefined {
  const [type, ...parameters] = (contentType ?? '').split(';');
  if (type?.trim().toLowerCase() !== `multipart/${subtype}`) return undefined;
  for (const parameter of parameters) {
    const [name, ...value] = parameter.split('=');
    if (name?.trim().toLowerCase() === 'boundary') return value.join('=').trim().replace(/^"(.*)"$/, '$1') || undefined;
  }
  return undefined;
}

/** The body parts between the delimiters; the preamble and epilogue are dropped. */
export function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const dash = `--${boundary}`;
  const delimiter = Buffer.from(`\n${dash}`);
  const opensBody = body.subarray(0, dash.length).toString('latin1') === dash;
  const first = opensBody ? 0 : body.indexOf(delimiter) + 1;
  if (!opensBody && first === 0) throw new MultipartError(`the body has no boundary ${boundary}`);
  const parts: Buffer[] = [];
  for (let afterDelimiter = first + dash.length; ; ) {
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString('latin1') === '--') return parts;
    const lineEnd = body.indexOf('\n', afterDelimiter);
    if (lineEnd < 0) throw new MultipartError('the body ends inside a delimiter line');
    const next = body.indexOf(delimiter, lineEnd);
    if (next < 0) throw new MultipartError(`the body has no closing boundary ${dash}--`);
    parts.push(body.subarray(lineEnd + 1, body[next - 1] === 0x0d ? next - 1 : next));
    afterDelimiter = next + delimiter.length;
  }
}

/** Splits at the first empty line (a section may open with it); a section with none is all head. */
export function splitSection(section: Buffer): Section {
  const match = /^\r?\n|\r?\n\r?\n/.exec(section.toString('latin1'));
  const head = match ? section.subarray(0, match.index) : section;
  const body = match ? section.subarray(match.index + match[0].length) : Buffer.alloc(0);
  const lines: string[] = [];
  for (const line of head.toString('utf8').split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && lines.length > 0) lines[lines.length - 1] += ` ${line.trim()}`;
    else if (line.length > 0) lines.push(line);
  }
  return { lines, body };
}

/** `Name: value` lines as Headers; a line that is not a header refuses the whole body. */
export function headersFromLines(lines: string[]): Headers {
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(':');
    try {
      if (colon <= 0) throw new TypeError(line);
      headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    } catch {
      throw new MultipartError(`not a header line: ${line}`);
    }
  }
  return headers;
}

/** A multipart body of the given parts, each its header lines, an empty line and its content. */
export function joinMultipart(boundary: string, parts: { headers: string[]; body: Buffer }[]): Buffer {
  const chunks = parts.flatMap(({ headers, body }) => [Buffer.from(`--${boundary}\r\n${headers.map((line) => `${line}\r\n`).join('')}\r\n`), body, Buffer.from('\r\n')]);
  return Buffer.concat([...chunks, Buffer.from(`--${boundary}--\r\n`)]);
}
