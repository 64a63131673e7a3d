/**
 * Damage a MIME parser silently works around, found by reading the raw bytes, so the analyst is
 * told why a report's text or attachments may be incomplete or garbled. mailparser decodes bad
 * base64 leniently, falls back for unknown charsets and accepts a multipart that never closes.
 */
export function mimeDamage(raw: Buffer): string[] {
  const text = raw.toString('latin1');
  return [...unknownCharsets(text), ...unclosedMultiparts(text), ...invalidBase64(text)];
}

/** Whether the header block (up to the first blank line) is longer than `limit` bytes. */
export function headerBlockExceeds(raw: Buffer, limit: number): boolean {
  const head = raw.subarray(0, limit + BLANK_LINE_BYTES).toString('latin1');
  return !/\r?\n\r?\n/.test(head) && raw.length > limit;
}

const BLANK_LINE_BYTES = 4;
const CHARSET = /charset\s*=\s*"?([^"';\s]+)/gi;
const BOUNDARY = /boundary\s*=\s*(?:"([^"\r\n]+)"|([^;\s]+))/gi;
/** Multiline, so it finds a declaration in the whole message as well as tests one header line. */
const BASE64_ENCODING = /^content-transfer-encoding\s*:\s*base64\s*$/im;
const BASE64_LINE = /^[A-Za-z0-9+/]*={0,2}$/;

function unknownCharsets(text: string): string[] {
  const declared = new Set([...text.matchAll(CHARSET)].map((match) => (match[1] ?? '').toLowerCase()));
  return [...declared]
    .filter((charset) => !isKnownCharset(charset))
    .map((charset) => `charset "${charset}" is not a known text encoding: text in it may be garbled`);
}

function isKnownCharset(charset: string): boolean {
  try {
    new TextDecoder(charset);
    return true;
  } catch {
    return false;
  }
}

function unclosedMultiparts(text: string): string[] {
  const boundaries = new Set([...text.matchAll(BOUNDARY)].map((match) => match[1] ?? match[2] ?? ''));
  return [...boundaries]
    .filter((boundary) => boundary !== '' && !text.includes(`--${boundary}--`))
    .map((boundary) => `multipart with boundary "${boundary}" never closes: the message is truncated or damaged`);
}

/**
 * Walks the parts line by line: a line starting `--` is a boundary and starts a part's headers,
 * the first blank line after them its body. Only bodies declared base64 are checked.
 */
function invalidBase64(text: string): string[] {
  if (!BASE64_ENCODING.test(text)) return [];
  let inHeaders = true;
  let declaredBase64 = false;
  let inBase64Body = false;
  let damagedParts = 0;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r$/, '');
    if (line.startsWith('--')) {
      inHeaders = true;
      declaredBase64 = false;
      inBase64Body = false;
    } else if (inHeaders) {
      if (line.trim() === '') {
        inHeaders = false;
        inBase64Body = declaredBase64;
      } else if (BASE64_ENCODING.test(line)) {
        declaredBase64 = true;
      }
    } else if (inBase64Body && !BASE64_LINE.test(line.trim())) {
      damagedParts++;
      inBase64Body = false;
    }
  }
  return damagedParts === 0 ? [] : [`${damagedParts} base64 part(s) contain invalid characters: their content is incomplete`];
}
