/**
 * `npm run temporal:cli`: makes sure a Temporal CLI exists, building it with Go when needed, and
 * prints its path. CI runs it before `npm test` so the build shows up as its own step.
 */
import { log } from '../src/log.js';
import { locateTemporalCli, TemporalCliUnavailable } from '../src/temporal/cli-binary.js';

try {
  const cli = await locateTemporalCli({ logger: log, allowDownload: false });
  process.stdout.write(`${cli.path}\n`);
} catch (error) {
  if (!(error instanceof TemporalCliUnavailable)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
