import { Context } from '@temporalio/activity';

/**
 * Runs `step` over groups one at a time, heartbeating the results so far. A retried attempt
 * (after a crash or a throttle) resumes after the last finished group instead of redoing it.
 */
export async function eachWithProgress<G, R>(groups: G[], step: (group: G) => Promise<R[]>): Promise<R[]> {
  const context = Context.current();
  const saved = context.info.heartbeatDetails as { done: number; results: R[] } | undefined;
  let done = saved?.done ?? 0;
  const results: R[] = saved?.results ?? [];
  for (; done < groups.length; ) {
    results.push(...(await step(groups[done]!)));
    done += 1;
    context.heartbeat({ done, results });
  }
  return results;
}
