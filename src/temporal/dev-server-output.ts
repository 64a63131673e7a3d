import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import type { Logger } from '../log.js';

const STDERR_TAIL_LINES = 30;

type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal';
const SERVER_LEVELS: Record<string, LogLevel> = {
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
  DPANIC: 'fatal',
  PANIC: 'fatal',
  FATAL: 'fatal',
};

export interface DevServerOutput {
  /** The server's last stderr lines, to explain why it exited. */
  stderrTail(): string[];
  /** From now on the server is stopping on purpose: its complaints about closed connections are expected. */
  expectShutdown(): void;
}

/**
 * Forwards the dev server's output (JSON lines from `--log-format json`, plus a plain-text
 * banner) to the logger, one event per line, with the server's own fields under `server`.
 */
export function forwardDevServerOutput(stdout: Readable, stderr: Readable, logger: Logger): DevServerOutput {
  const tail: string[] = [];
  let shuttingDown = false;

  const forward = (line: string, stream: 'stdout' | 'stderr'): void => {
    if (line.trim() === '') return;
    if (stream === 'stderr') {
      tail.push(line);
      if (tail.length > STDERR_TAIL_LINES) tail.shift();
    }
    const entry = parseServerLogLine(line);
    if (entry === undefined) {
      // The banner goes to stdout; plain text on stderr is a flag error or a crash.
      const level = shuttingDown || stream === 'stdout' ? 'debug' : 'warn';
      logger[level]({ stream }, line);
      return;
    }
    const level = shuttingDown ? 'debug' : (SERVER_LEVELS[entry.level] ?? 'info');
    logger[level]({ server: entry.fields }, entry.msg);
  };

  createInterface({ input: stdout, crlfDelay: Infinity }).on('line', (line) => forward(line, 'stdout'));
  createInterface({ input: stderr, crlfDelay: Infinity }).on('line', (line) => forward(line, 'stderr'));

  return {
    stderrTail: () => [...tail],
    expectShutdown: () => {
      shuttingDown = true;
    },
  };
}

interface ServerLogLine {
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}

function parseServerLogLine(line: string): ServerLogLine | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    // The logger stamps its own time.
    const { level, msg, time: _time, ...fields } = parsed as Record<string, unknown>;
    return { level: String(level).toUpperCase(), msg: String(msg), fields };
  } catch {
    return undefined;
  }
}
