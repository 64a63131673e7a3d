import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { eachWithProgress } from '../activities/progress.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

test('groups run a bounded number at a time, and every result comes back', async () => {
  let inFlight = 0;
  let most = 0;
  const env = new MockActivityEnvironment();
  const results: number[] = await env.run(() =>
    eachWithProgress(
      Array.from({ length: 10 }, (_, i) => i),
      async (group) => {
        most = Math.max(most, ++inFlight);
        await tick();
        inFlight--;
        return [group * 10];
      },
      3,
    ),
  );
  assert.equal(most, 3);
  assert.deepEqual([...results].sort((x, y) => x - y), [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
});

test('a retried attempt skips the groups its heartbeats say are finished', async () => {
  const ran: number[] = [];
  const env = new MockActivityEnvironment({ heartbeatDetails: { finished: [0, 2], results: ['a', 'c'] } });
  const results: string[] = await env.run(() =>
    eachWithProgress(['a', 'b', 'c', 'd'], async (group) => {
      ran.push(['a', 'b', 'c', 'd'].indexOf(group));
      return [group];
    }, 2),
  );
  assert.deepEqual(ran.sort(), [1, 3]);
  assert.deepEqual([...results].sort(), ['a', 'b', 'c', 'd']);
});

test('after a failure no new group starts, groups under way finish and are heartbeated, the error surfaces', async () => {
  const heartbeats: { finished: number[] }[] = [];
  const env = new MockActivityEnvironment();
  env.on('heartbeat', (details) => heartbeats.push(details as { finished: number[] }));
  const started: number[] = [];
  await assert.rejects(
    env.run(() =>
      eachWithProgress([0, 1, 2, 3, 4, 5], async (group) => {
        started.push(group);
        if (group === 0) throw new Error('throttled');
        await tick();
        return [group];
      }, 2),
    ),
    /throttled/,
  );
  assert.deepEqual(started, [0, 1], 'nothing new starts once a group failed');
  assert.deepEqual(heartbeats.at(-1)?.finished, [1], 'the group under way finished and was recorded');
});
