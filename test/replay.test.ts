import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from './support/stack.js';

/**
 * Histories recorded from real runs (`temporal workflow show -o json`). Replaying them against
 * today's workflow code fails when a change would break incidents already running: such a
 * change needs `patched()`.
 */
const fixtures = new URL('./fixtures/', import.meta.url);

for (const file of readdirSync(fixtures).filter((f) => f.endsWith('.history.json'))) {
  test(`a recorded incident replays deterministically: ${file}`, async () => {
    const history = JSON.parse(readFileSync(new URL(file, fixtures), 'utf8'));
    assert.ok(history.events.length > 10, 'the fixture holds a real history');
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, `replay-${file}`);
  });
}
