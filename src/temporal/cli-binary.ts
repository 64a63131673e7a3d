import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log.js';

/**
 * The newest CLI release `go install pkg@version` accepts: v1.6+ carry a local `replace`
 * directive, which `go install` rejects. It embeds Temporal Server 1.29.1 and the Web UI.
 */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const TEMPORAL_CLI_PACKAGE = `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`;
const BUILD_OUTPUT_TAIL_LINES = 20;

export type ExistingTemporalCli = { kind: 'existing-path'; path: string };
/** A CLI to run, or 'download': let the SDK fetch one (needs internet). */
export type TemporalCli = ExistingTemporalCli | { kind: 'download' };

export interface LocateTemporalCliOptions {
  logger: Logger;
  /** Reads TEMPORAL_CLI, PATH, XDG_CACHE_HOME and HOME; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** The checkout whose git-ignored `.temporal/bin/temporal` is looked at; defaults to this one. */
  projectDir?: string;
  /** Build the CLI with `go install` when none is found (default true). */
  allowBuild?: boolean;
  /** Answer 'download' when none is found and none can be built (default true). */
  allowDownload?: boolean;
}

export class TemporalCliUnavailable extends Error {
  override readonly name = 'TemporalCliUnavailable';

  constructor(
    readonly reason: string,
    readonly searched: readonly string[] = [],
    options?: ErrorOptions,
  ) {
    super(
      [
        `No Temporal CLI: ${reason}.`,
        ...(searched.length > 0 ? [`Looked for: ${searched.join(', ')}.`] : []),
        'Fix it with one of:',
        `  - install Go >= 1.25 and run \`npm run temporal:cli\``,
        `    (builds the CLI ${TEMPORAL_CLI_VERSION} once per machine, in several minutes)`,
        '  - put a `temporal` CLI on PATH, or set TEMPORAL_CLI to its path',
        '  - set TEMPORAL_ADDRESS to an existing Temporal server',
      ].join('\n'),
      options,
    );
  }
}

/**
 * Per-user cache of the built CLI: every checkout on the machine (and CI's clean clones) shares
 * one build instead of spending minutes on its own.
 */
export function userCacheCliPath(env: NodeJS.ProcessEnv = process.env): string {
  const cacheHome = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(cacheHome, 'clawback', `temporal-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

/**
 * Finds a Temporal CLI, in this order: TEMPORAL_CLI, the project's `.temporal/bin/temporal`,
 * the per-user cache, `temporal` on PATH. Builds one into the cache when Go is available.
 */
export function locateTemporalCli(
  options: LocateTemporalCliOptions & { allowDownload: false },
): Promise<ExistingTemporalCli>;
export function locateTemporalCli(options: LocateTemporalCliOptions): Promise<TemporalCli>;
export async function locateTemporalCli(options: LocateTemporalCliOptions): Promise<TemporalCli> {
  const { logger, allowBuild = true, allowDownload = true } = options;
  const env = options.env ?? process.env;
  const projectDir = options.projectDir ?? fileURLToPath(new URL('../../', import.meta.url));

  const explicit = env.TEMPORAL_CLI;
  if (explicit) {
    if (await isExecutableFile(explicit)) return existingCli(explicit, 'TEMPORAL_CLI', logger);
    // A set but wrong TEMPORAL_CLI is a configuration mistake: falling back would hide it.
    throw new TemporalCliUnavailable(`TEMPORAL_CLI=${explicit} is not an executable file`);
  }

  const projectPath = join(projectDir, '.temporal', 'bin', 'temporal');
  const cachePath = userCacheCliPath(env);
  const candidates: [path: string, source: string][] = [
    [projectPath, 'project'],
    [cachePath, 'user cache'],
    ...pathEntries('temporal', env).map((path): [string, string] => [path, 'PATH']),
  ];
  for (const [path, source] of candidates) {
    if (await isExecutableFile(path)) return existingCli(path, source, logger);
  }

  const go = await findOnPath('go', env);
  if (go && allowBuild) {
    return { kind: 'existing-path', path: await buildTemporalCli(go, cachePath, env, logger) };
  }
  if (allowDownload) return { kind: 'download' };
  const reason = go ? 'none found and building it is not allowed here' : 'none found and no `go` on PATH to build one';
  throw new TemporalCliUnavailable(reason, ['TEMPORAL_CLI (unset)', projectPath, cachePath, 'temporal on PATH']);
}

function existingCli(path: string, source: string, logger: Logger): ExistingTemporalCli {
  logger.debug({ path, source }, 'found the Temporal CLI');
  return { kind: 'existing-path', path };
}

/**
 * `go install` into a temporary GOBIN beside the cache entry, then a rename: an interrupted build
 * never leaves a half-written binary where the next run would pick it up.
 */
async function buildTemporalCli(go: string, target: string, env: NodeJS.ProcessEnv, logger: Logger): Promise<string> {
  const versionsDir = dirname(dirname(target));
  await mkdir(versionsDir, { recursive: true });
  const gobin = await mkdtemp(join(versionsDir, `.temporal-${TEMPORAL_CLI_VERSION}-build-`));
  logger.info(
    { package: TEMPORAL_CLI_PACKAGE, target },
    `building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go; the first build takes several minutes…`,
  );
  const startedAt = Date.now();
  try {
    const outcome = await runGoInstall(go, { ...env, GOBIN: gobin }, logger);
    if (outcome.code !== 0) {
      const ending = outcome.signal ? `signal ${outcome.signal}` : `exit code ${outcome.code}`;
      throw new TemporalCliUnavailable(
        `\`go install ${TEMPORAL_CLI_PACKAGE}\` failed with ${ending}:\n${outcome.outputTail.join('\n')}`,
      );
    }
    await mkdir(dirname(target), { recursive: true });
    await rename(join(gobin, 'temporal'), target);
    logger.info({ path: target, durationMs: Date.now() - startedAt }, 'built the Temporal CLI');
    return target;
  } finally {
    await rm(gobin, { recursive: true, force: true });
  }
}

interface GoInstallOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  outputTail: string[];
}

/** Runs the build with go's output streamed to the logger, so a long build visibly progresses. */
function runGoInstall(go: string, env: NodeJS.ProcessEnv, logger: Logger): Promise<GoInstallOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(go, ['install', TEMPORAL_CLI_PACKAGE], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const outputTail: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        logger.info({ component: 'go' }, line);
        outputTail.push(line);
        if (outputTail.length > BUILD_OUTPUT_TAIL_LINES) outputTail.shift();
      });
    }
    child.once('error', (error) =>
      reject(new TemporalCliUnavailable(`could not run ${go}: ${error.message}`, [], { cause: error })),
    );
    child.once('close', (code, signal) => resolve({ code, signal, outputTail }));
  });
}

async function findOnPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const path of pathEntries(name, env)) {
    if (await isExecutableFile(path)) return path;
  }
  return undefined;
}

function pathEntries(name: string, env: NodeJS.ProcessEnv): string[] {
  return (env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, name));
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
