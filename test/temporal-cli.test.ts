import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import {
  locateTemporalCli,
  TEMPORAL_CLI_VERSION,
  TemporalCliUnavailable,
  userCacheCliPath,
} from '../src/temporal/cli-binary.js';

const logger = pino({ level: 'silent' });

/** A sandbox per test: a project dir, a cache home, a PATH dir and a spare dir, all empty. */
interface Sandbox {
  projectDir: string;
  cacheHome: string;
  binDir: string;
  otherDir: string;
  env: NodeJS.ProcessEnv;
}

let root: string;
let sandboxCount = 0;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'clawback-cli-test-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function sandbox(): Promise<Sandbox> {
  const dir = join(root, String(sandboxCount++));
  const box = {
    projectDir: join(dir, 'project'),
    cacheHome: join(dir, 'cache'),
    binDir: join(dir, 'bin'),
    otherDir: join(dir, 'other'),
  };
  await Promise.all(Object.values(box).map((d) => mkdir(d, { recursive: true })));
  return { ...box, env: { PATH: box.binDir, XDG_CACHE_HOME: box.cacheHome } };
}

async function writeExecutable(path: string, script = '#!/bin/sh\nexit 0\n'): Promise<string> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, script);
  await chmod(path, 0o755);
  return path;
}

const projectCli = (box: Sandbox): string => join(box.projectDir, '.temporal', 'bin', 'temporal');

describe('locateTemporalCli', () => {
  test('TEMPORAL_CLI wins over every other place', async () => {
    const box = await sandbox();
    const explicit = await writeExecutable(join(box.otherDir, 'my-temporal'));
    await writeExecutable(projectCli(box));
    await writeExecutable(userCacheCliPath(box.env));
    await writeExecutable(join(box.binDir, 'temporal'));

    const cli = await locateTemporalCli({ logger, projectDir: box.projectDir, env: { ...box.env, TEMPORAL_CLI: explicit } });

    assert.deepEqual(cli, { kind: 'existing-path', path: explicit });
  });

  test('then the project, then the user cache, then PATH', async () => {
    const box = await sandbox();
    const onPath = await writeExecutable(join(box.binDir, 'temporal'));
    const inCache = await writeExecutable(userCacheCliPath(box.env));
    const inProject = await writeExecutable(projectCli(box));
    const locate = () => locateTemporalCli({ logger, projectDir: box.projectDir, env: box.env, allowBuild: false });

    assert.deepEqual(await locate(), { kind: 'existing-path', path: inProject });
    await rm(inProject);
    assert.deepEqual(await locate(), { kind: 'existing-path', path: inCache });
    await rm(inCache);
    assert.deepEqual(await locate(), { kind: 'existing-path', path: onPath });
  });

  test('the user cache lives under XDG_CACHE_HOME, else ~/.cache', () => {
    assert.equal(
      userCacheCliPath({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/a' }),
      `/x/cache/clawback/temporal-${TEMPORAL_CLI_VERSION}/temporal`,
    );
    assert.equal(userCacheCliPath({ HOME: '/home/a' }), `/home/a/.cache/clawback/temporal-${TEMPORAL_CLI_VERSION}/temporal`);
  });

  test('a file that is not executable does not count', async () => {
    const box = await sandbox();
    await mkdir(dirname(projectCli(box)), { recursive: true });
    await writeFile(projectCli(box), 'not a program');

    const cli = await locateTemporalCli({ logger, projectDir: box.projectDir, env: box.env, allowBuild: false });

    assert.deepEqual(cli, { kind: 'download' });
  });

  test('a TEMPORAL_CLI that points at nothing is an error, not a silent fallback', async () => {
    const box = await sandbox();
    await writeExecutable(join(box.binDir, 'temporal'));
    const missing = join(box.otherDir, 'nope');

    await assert.rejects(
      locateTemporalCli({ logger, projectDir: box.projectDir, env: { ...box.env, TEMPORAL_CLI: missing } }),
      (error: unknown) => error instanceof TemporalCliUnavailable && error.message.includes(`TEMPORAL_CLI=${missing}`),
    );
  });

  test('nothing found and no building or downloading: an actionable TemporalCliUnavailable', async () => {
    const box = await sandbox();
    await writeExecutable(join(box.binDir, 'go'));

    await assert.rejects(
      locateTemporalCli({ logger, projectDir: box.projectDir, env: box.env, allowBuild: false, allowDownload: false }),
      (error: unknown) => {
        assert.ok(error instanceof TemporalCliUnavailable);
        assert.match(error.message, /building it is not allowed/);
        assert.match(error.message, /install Go >= 1\.25/);
        assert.match(error.message, /TEMPORAL_CLI/);
        assert.match(error.message, /TEMPORAL_ADDRESS/);
        assert.ok(error.searched.includes(userCacheCliPath(box.env)));
        return true;
      },
    );
  });

  test('nothing found and no Go: the SDK is left to download one', async () => {
    const box = await sandbox();

    const cli = await locateTemporalCli({ logger, projectDir: box.projectDir, env: box.env });

    assert.deepEqual(cli, { kind: 'download' });
  });

  test('with Go on PATH it builds into the user cache and leaves no build directory behind', async () => {
    const box = await sandbox();
    const argsFile = join(box.otherDir, 'go-args');
    await writeExecutable(
      join(box.binDir, 'go'),
      `#!/bin/sh\necho "$@" > '${argsFile}'\nprintf '#!/bin/sh\\n' > "$GOBIN/temporal"\n/bin/chmod 755 "$GOBIN/temporal"\n`,
    );

    const cli = await locateTemporalCli({ logger, projectDir: box.projectDir, env: box.env });

    assert.deepEqual(cli, { kind: 'existing-path', path: userCacheCliPath(box.env) });
    const goArgs = (await readFile(argsFile, 'utf8')).trim();
    assert.equal(goArgs, `install github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`);
    assert.deepEqual(await readdir(join(box.cacheHome, 'clawback')), [`temporal-${TEMPORAL_CLI_VERSION}`]);
  });

  test('a failed build reports go output and leaves nothing in the cache', async () => {
    const box = await sandbox();
    await writeExecutable(
      join(box.binDir, 'go'),
      `#!/bin/sh\nprintf 'half' > "$GOBIN/temporal"\necho 'go: module lookup disabled' >&2\nexit 1\n`,
    );

    await assert.rejects(
      locateTemporalCli({ logger, projectDir: box.projectDir, env: box.env }),
      (error: unknown) =>
        error instanceof TemporalCliUnavailable &&
        error.message.includes('exit code 1') &&
        error.message.includes('go: module lookup disabled'),
    );
    assert.deepEqual(await readdir(join(box.cacheHome, 'clawback')), []);
  });
});
