import { Context } from '@temporalio/activity';

/** Mailboxes worked on at once in one activity: providers limit per mailbox, not across them. */
export const MAILBOX_CONCURRENCY = 8;

/** What a heartbeat carries: which groups are finished, and their results. */
interface Progress<R> {
  finished: number[];
  results: R[];
}

/**
 * Runs `step` over groups, `concurrency` at a time, heartbeating the results so far. A retried
 * attempt (after a crash or a throttle) resumes with the groups not finished yet instead of
 * redoing them.
 */
export async function eachWithProgress<G, R>(groups: G[], step: (group: G) => Promise<R[]>, concurrency = MAILBOX_CONCURRENCY): Promise<R[]> {
  const context = Context.current();
  const saved = context.info.heartbeatDetails as Progress<R> | undefined;
  const finished = new Set(saved?.finished ?? []);
  const results: R[] = saved?.results ?? [];
  const pending = groups.map((_, index) => index).filter((index) => !finished.has(index));

  let failed = false;
  const worker = async (): Promise<void> => {
    for (let index = pending.shift(); index !== undefined && !failed; index = pending.shift()) {
      try {
        results.push(...(await step(groups[index]!)));
      } catch (error) {
        failed = true;
        throw error;
      }
      finished.add(index);
      context.heartbeat({ finished: [...finished], results } satisfies Progress<R>);
    }
  };
  // After a failure no new group starts, and the ones under way finish and are heartbeated,
  // so the retry neither loses nor repeats their work.
  const settled = await Promise.allSettled(Array.from({ length: Math.min(concurrency, pending.length) }, worker));
  const rejection = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (rejection) throw rejection.reason;
  return results;
}
