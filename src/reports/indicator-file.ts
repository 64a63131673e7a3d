import { readFile } from 'node:fs/promises';
import { detectKind, readIndicator, type Indicator } from './indicator-kinds.js';

/** An indicator file that cannot be read or has a line that is no indicator; a config error when the worker starts. */
export class IndicatorFileInvalid extends Error {
  readonly type = 'IndicatorFileInvalid';
  constructor(
    readonly list: string,
    readonly file: string,
    detail: string,
    readonly line?: number,
  ) {
    super(`indicator list ${list}: ${file}${line === undefined ? '' : ` line ${line}`}: ${detail}`);
    this.name = 'IndicatorFileInvalid';
  }
}

/** A malformed line, numbered from 1. */
export interface LineProblem {
  line: number;
  detail: string;
}

// Whole-line comments, and trailing ones after white space (URLs hold no white space, so a fragment is never taken for one).
const COMMENT = /(^|\s)#.*$/;

/** One indicator a line, the kind read off each line; blank lines and `#` comments are skipped. */
export function parseIndicatorLines(text: string): Indicator[] | LineProblem {
  const indicators: Indicator[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const entry = raw.replace(COMMENT, '').trim();
    if (entry === '') continue;
    const read = readIndicator(detectKind(entry), entry);
    if ('error' in read) return { line: index + 1, detail: read.error };
    indicators.push(read);
  }
  return indicators;
}

export async function readIndicatorFile(list: string, file: string): Promise<Indicator[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new IndicatorFileInvalid(list, file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const parsed = parseIndicatorLines(text);
  if (Array.isArray(parsed)) return parsed;
  throw new IndicatorFileInvalid(list, file, parsed.detail, parsed.line);
}
