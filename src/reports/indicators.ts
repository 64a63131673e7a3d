import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigId } from '../config/id.js';
import { log as defaultLog, type Logger } from '../log.js';
import { readIndicatorFile } from './indicator-file.js';
import { canonicalString, type Indicator, type IndicatorKind } from './indicator-kinds.js';
import { IndicatorSnapshot, ListDisposition, ListIndex } from './indicator-snapshot.js';

export { IndicatorSnapshot, IndicatorMatch, ListDisposition } from './indicator-snapshot.js';
export { IndicatorFileInvalid } from './indicator-file.js';

const INLINE_KINDS: ['domains' | 'urls' | 'hashes' | 'senders', IndicatorKind][] = [
  ['domains', 'domain'],
  ['urls', 'url'],
  ['hashes', 'hash'],
  ['senders', 'sender'],
];

/** A named set of indicators with the disposition a match gives: entries inline, in a file (one a line), or both. */
export const IndicatorList = z
  .object({
    id: ConfigId,
    disposition: ListDisposition,
    /** Relative to the config file's folder; re-read when it changes. */
    file: z.string().min(1).optional(),
    domains: z.array(canonicalString('domain')).optional(),
    urls: z.array(canonicalString('url')).optional(),
    hashes: z.array(canonicalString('hash')).optional(),
    senders: z.array(canonicalString('sender')).optional(),
  })
  .strict()
  .refine((list) => list.file !== undefined || INLINE_KINDS.some(([field]) => list[field] !== undefined), 'a list names a file, inline indicators, or both');
export type IndicatorList = z.infer<typeof IndicatorList>;

function inlineIndicators(list: IndicatorList): Indicator[] {
  return INLINE_KINDS.flatMap(([field, kind]) => (list[field] ?? []).map((value) => ({ kind, value })));
}

/** Which version of a file was last looked at: a change of any of these means it was rewritten or replaced. */
type FileVersion = { ino: bigint; size: bigint; mtimeNs: bigint } | 'missing';

const sameVersion = (a: FileVersion, b: FileVersion) =>
  a === 'missing' || b === 'missing' ? a === b : a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs;

async function versionOf(path: string): Promise<FileVersion> {
  try {
    const { ino, size, mtimeNs } = await stat(path, { bigint: true });
    return { ino, size, mtimeNs };
  } catch {
    return 'missing';
  }
}

/** One list and the last good read of its file. */
interface LoadedList {
  config: IndicatorList;
  path?: string;
  /** The version last tried, good or not, so a broken file is read (and reported) once, not on every call. */
  seen: FileVersion;
  index: ListIndex;
}

async function load(config: IndicatorList, path: string | undefined): Promise<ListIndex> {
  const fromFile = path === undefined ? [] : await readIndicatorFile(config.id, path);
  return new ListIndex(config.id, config.disposition, [...inlineIndicators(config), ...fromFile]);
}

/**
 * The configured indicator lists, hot-reloaded: `current()` re-reads only files whose identity,
 * size or modification time changed, and a file that turns unreadable or malformed keeps its last
 * good version (with a warning) so a half-written feed never blinds the verdicts.
 */
export class IndicatorLists {
  private snapshot: IndicatorSnapshot;
  private refreshing?: Promise<IndicatorSnapshot>;

  private constructor(
    private readonly lists: LoadedList[],
    private readonly log: Logger,
  ) {
    this.snapshot = new IndicatorSnapshot(lists.map((l) => l.index));
  }

  /** Reads every file (paths relative to `baseDir`); a missing or malformed one fails with `IndicatorFileInvalid`. */
  static async open(lists: IndicatorList[], baseDir: string, logger: Logger = defaultLog): Promise<IndicatorLists> {
    const loaded = await Promise.all(
      lists.map(async (config): Promise<LoadedList> => {
        const path = config.file === undefined ? undefined : resolve(baseDir, config.file);
        // Stat before reading: a write that lands during the read changes the version, and the next call reads again.
        const seen = path === undefined ? 'missing' : await versionOf(path);
        return { config, path, seen, index: await load(config, path) };
      }),
    );
    return new IndicatorLists(loaded, logger);
  }

  /** The lists as of now; never throws. Concurrent callers share one refresh. */
  async current(): Promise<IndicatorSnapshot> {
    this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async refresh(): Promise<IndicatorSnapshot> {
    const reloaded = await Promise.all(this.lists.map((list) => this.reload(list)));
    if (reloaded.some(Boolean)) this.snapshot = new IndicatorSnapshot(this.lists.map((l) => l.index));
    return this.snapshot;
  }

  /** True when the list's index was replaced. */
  private async reload(list: LoadedList): Promise<boolean> {
    if (list.path === undefined) return false;
    const version = await versionOf(list.path);
    if (sameVersion(version, list.seen)) return false;
    list.seen = version;
    try {
      list.index = await load(list.config, list.path);
      return true;
    } catch (error) {
      this.log.warn(
        { event: 'indicators.reload_failed', list: list.config.id, file: list.path, error: (error as Error).message },
        'indicator list reload failed; keeping the last good version',
      );
      return false;
    }
  }
}
