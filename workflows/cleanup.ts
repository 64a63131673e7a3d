import { continueAsNew, proxyActivities, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { addCounts, emptyCounts } from '../src/sources/csv-results.js';
import { importProgressQuery, type CleanupInput, type CleanupProgress } from './cleanup-messages.js';

/** Chunks submitted at once: enough to keep the incidents busy, few enough to keep the history short. */
const SUBMIT_WINDOW = 4;

const activities = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '1s', maximumInterval: '1m', maximumAttempts: 10, nonRetryableErrorTypes: ['IntakeNotConfigured'] },
});

/**
 * A bulk cleanup: the rows of one CSV import, a chunk at a time, into one incident per message
 * (started or merged, as the API does), then a result for every row once those incidents have
 * pulled. The rows never enter the history, only chunk offsets and counts; a long import
 * continues as new when the history grows.
 */
export async function cleanupWorkflow(input: CleanupInput): Promise<CleanupProgress> {
  const progress: CleanupProgress = input.progress ?? {
    importId: input.importId,
    status: 'submitting',
    rows: input.rows,
    chunks: input.chunkOffsets.length,
    chunksSubmitted: 0,
    chunksSettled: 0,
    incidentsStarted: 0,
    incidentsMerged: 0,
    counts: emptyCounts(),
  };
  setHandler(importProgressQuery, () => progress);
  const { importId, source, chunkOffsets } = input;
  const total = chunkOffsets.length;
  const publish = () => setCurrentDetails(describe(progress, source));
  const keepGoing = () => !workflowInfo().continueAsNewSuggested;

  // Lanes take chunks in order and all finish before this returns: the chunks submitted are a prefix.
  let next = progress.chunksSubmitted;
  const lane = async () => {
    while (next < total && keepGoing()) {
      const chunk = next++;
      const submitted = await activities.submitImportChunk.executeWithOptions(
        { summary: `submit chunk ${chunk + 1}/${total}` },
        [{ importId, chunk, offset: chunkOffsets[chunk]!, source }],
      );
      progress.chunksSubmitted++;
      progress.incidentsStarted += submitted.started;
      progress.incidentsMerged += submitted.merged;
      publish();
    }
  };
  await Promise.all(Array.from({ length: SUBMIT_WINDOW }, lane));
  if (progress.chunksSubmitted < total) return continueAsNew<typeof cleanupWorkflow>({ ...input, progress });
  progress.status = 'settling';

  // One chunk at a time (each talks to its incidents in parallel): results are readable as a prefix.
  while (progress.chunksSettled < total) {
    if (!keepGoing()) return continueAsNew<typeof cleanupWorkflow>({ ...input, progress });
    const chunk = progress.chunksSettled;
    const counts = await activities.settleImportChunk.executeWithOptions(
      { startToCloseTimeout: `${input.settleWaitMs + 10 * 60_000}ms`, heartbeatTimeout: '1m', summary: `results of chunk ${chunk + 1}/${total}` },
      [{ importId, chunk, offset: chunkOffsets[chunk]!, waitMs: input.settleWaitMs }],
    );
    progress.chunksSettled++;
    addCounts(progress.counts, counts);
    publish();
  }
  progress.status = 'done';
  publish();
  return progress;
}

function describe(progress: CleanupProgress, source: string): string {
  const counts = Object.entries(progress.counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${status}: ${n}`)
    .join(', ');
  return [
    `**${progress.status}**: ${progress.rows} row(s) from source \`${source}\``,
    `chunks submitted ${progress.chunksSubmitted}/${progress.chunks}, settled ${progress.chunksSettled}/${progress.chunks}`,
    counts,
  ].join('\n\n');
}
