import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { incidentIdFor } from '../src/domain/ids.js';
import { DEMO_ADDRESSES as a, DEMO_BENIGN_MESSAGE_ID, DEMO_MESSAGE_ID } from '../src/sim/demo.js';
import { DEMO_ADMIN_KEY, DEMO_SOURCE_KEY, startStack, uniqueScenario } from './support/stack.js';

type Stack = Awaited<ReturnType<typeof startStack>>;

/**
 * Memory still held after a forced collection (the heap and the buffers outside it), so a figure
 * says what an upload keeps, not when the collector last ran.
 */
function retainedMemory(): number {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

describe('bulk cleanup from a CSV import', () => {
  let stack: Stack;
  let rename: (id: string) => string;

  before(async () => {
    const unique = uniqueScenario();
    rename = unique.rename;
    stack = await startStack({
      scenario: unique.scenario,
      incident: { lateCopies: { watchMs: 0, sweepEveryMs: 1000 } },
      sources: [{ id: 'other-source', key: 'other-source-key', policy: 'auto' }],
    });
  });
  after(() => stack.stop());

  async function upload(csv: string | AsyncIterable<string>, { key = DEMO_SOURCE_KEY, source = 'demo-source', type = 'text/csv' } = {}) {
    const body = typeof csv === 'string' ? csv : (Readable.toWeb(Readable.from(csv)) as ReadableStream);
    const response = await stack.app.request(`/v1/sources/${source}/imports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': type },
      body,
      ...(typeof csv === 'string' ? {} : { duplex: 'half' }),
    } as RequestInit);
    return { status: response.status, body: (await response.json()) as any };
  }

  async function waitForImport(importId: string, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { status, body } = await stack.request('GET', `/v1/imports/${importId}?limit=50`, { key: DEMO_SOURCE_KEY });
      if (status === 200 && body.status === 'done') return body;
      if (Date.now() > deadline) throw new Error(`import ${importId} did not finish: ${JSON.stringify(body).slice(0, 500)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('pulls every message of the file, one incident per message, and answers per row', async () => {
    const message = rename(DEMO_MESSAGE_ID);
    const benign = rename(DEMO_BENIGN_MESSAGE_ID);
    // Alice's copy of the second message is pulled before the import: its row is "already pulled".
    const first = await stack.request('POST', '/v1/alerts', {
      key: DEMO_SOURCE_KEY,
      body: { messageId: benign, sender: a.partner, recipients: [a.alice], threat: { classification: 'phish' } },
    });
    assert.equal(first.status, 202);
    await stack.waitFor(first.body.incidentId, (state) => state.status === 'contained');

    const csv = [
      'Date,Sender,Header_From,Recipients,Message_ID,Subject',
      `2026-12-01T09:14:00Z,${a.attacker},,${a.bob};${a.carol},${message},"Overdue\ninvoice 4471"`,
      `2026-12-01T09:14:00Z,${a.attacker},,${a.finance},${message},Overdue invoice 4471`,
      `2026-12-01T08:02:00Z,${a.partner},,${a.alice},${benign},Agenda`,
      `2026-12-01T08:02:00Z,${a.partner},,${a.dave},${benign},Agenda`,
      `2026-12-01T08:02:00Z,${a.partner},,${a.dave},,Agenda`,
      `2026-12-01T08:02:00Z,${a.partner},,not-an-address,${benign},Agenda`,
      `2026-12-01T09:14:00Z,${a.attacker},,${a.aliceAlias},${message},Overdue invoice 4471`,
    ].join('\r\n');
    const { status, body } = await upload(csv);
    assert.equal(status, 202, JSON.stringify(body));
    assert.equal(body.rows, 7);
    assert.equal(body.invalid, 2);

    const done = await waitForImport(body.importId);
    assert.deepEqual(
      done.results.map((r: any) => [r.row, r.status, r.reason]),
      [
        [1, 'pulled', undefined],
        [2, 'pulled', undefined],
        [3, 'already-pulled', undefined],
        [4, 'not-found', undefined],
        [5, 'invalid', 'missing Message-ID'],
        [6, 'invalid', 'bad address "not-an-address"'],
        [7, 'pulled', undefined],
      ],
    );
    assert.equal(done.results[0].incidentId, incidentIdFor(message));
    assert.equal(done.incidentsStarted, 1);
    assert.equal(done.incidentsMerged, 1);
    assert.deepEqual({ pulled: done.counts.pulled, already: done.counts['already-pulled'], notFound: done.counts['not-found'], invalid: done.counts.invalid }, { pulled: 3, already: 1, notFound: 1, invalid: 2 });

    const incident = await stack.waitFor(incidentIdFor(message), (state) => state.status === 'contained');
    const pulledFrom = new Set(incident.copies.filter((c: any) => c.status === 'pulled').map((c: any) => c.mailbox.address));
    for (const mailbox of [a.alice, a.bob, a.carol, a.finance]) assert.ok(pulledFrom.has(mailbox), `${mailbox} pulled`);

    const page = await stack.request('GET', `/v1/imports/${body.importId}?offset=4&limit=1`, { key: DEMO_ADMIN_KEY });
    assert.equal(page.status, 200);
    assert.deepEqual(page.body.results.map((r: any) => r.row), [5]);
  });

  it('accepts the file as a multipart form upload', async () => {
    const form = new FormData();
    form.append('file', new Blob([`Sender,Recipients,Message_ID\n${a.attacker},${a.dave},${rename('<multipart-1@evil.example>')}\n`], { type: 'text/csv' }), 'trace.csv');
    const response = await stack.app.request('/v1/sources/demo-source/imports', { method: 'POST', headers: { authorization: `Bearer ${DEMO_SOURCE_KEY}` }, body: form });
    const body = (await response.json()) as any;
    assert.equal(response.status, 202, JSON.stringify(body));
    const done = await waitForImport(body.importId);
    assert.deepEqual(done.results.map((r: any) => r.status), ['not-found']);
  });

  it('refuses a form without a file field, or one it cannot read, naming why', async () => {
    const form = new FormData();
    form.append('note', 'the trace is attached');
    const missing = await stack.app.request('/v1/sources/demo-source/imports', { method: 'POST', headers: { authorization: `Bearer ${DEMO_SOURCE_KEY}` }, body: form });
    assert.equal(missing.status, 400);
    assert.match(((await missing.json()) as any).error.message, /"file" field/);
    const noBoundary = await upload('--x\r\n', { type: 'multipart/form-data' });
    assert.equal(noBoundary.status, 400);
    assert.match(noBoundary.body.error.message, /multipart form cannot be read/);
    const cutShort = await upload(`--cut\r\nContent-Disposition: form-data; name="file"; filename="t.csv"\r\n\r\nSender,Recipients,Message_ID\n${a.attacker},${a.dave},<cut@evil.example>\n`, { type: 'multipart/form-data; boundary=cut' });
    assert.equal(cutShort.status, 400, JSON.stringify(cutShort.body));
    assert.match(cutShort.body.error.message, /multipart form cannot be read/);
  });

  it('refuses a file it cannot read, another source\'s route, and strangers, starting nothing', async () => {
    const noId = await upload('Sender,Recipients\na@evil.example,alice@corp.example\n');
    assert.equal(noId.status, 400);
    assert.match(noId.body.error.message, /no Message_ID column/);
    assert.equal((await upload('Sender,Recipients,Message_ID\n', { source: 'other-source' })).status, 403);
    assert.equal((await upload('Sender,Recipients,Message_ID\n', { key: 'nobody-key-at-all' })).status, 401);
    assert.equal((await stack.request('GET', '/v1/imports/00000000-0000-0000-0000-000000000000', { key: DEMO_SOURCE_KEY })).status, 404);
  });

  it('imports 100,000 rows with bounded memory; a source only sees its own imports', async () => {
    const tag = rename('<bulk@evil.example>').replace(/[<>]/g, '');
    async function* rows() {
      yield 'Date,Sender,Recipients,Message_ID,Subject\n';
      for (let i = 0; i < 100_000; i++) {
        // Every 1,000th row is bad; the rest name 20 messages and 500 addresses nobody has.
        const id = i % 1000 === 999 ? '' : `<m${i % 20}.${tag}>`;
        yield `2026-12-01T10:00:00Z,${a.attacker},nobody${i % 500}@${a.alice.split('@')[1]},${id},Bulk ${i}\n`;
      }
    }
    const before = retainedMemory();
    const { status, body } = await upload(rows());
    const growth = retainedMemory() - before;
    assert.equal(status, 202, JSON.stringify(body));
    assert.equal(body.rows, 100_000);
    assert.equal(body.invalid, 100);
    assert.ok(growth < 32 * 1024 * 1024, `memory kept grew by ${Math.round(growth / 1e6)} MB while spooling`);

    const done = await waitForImport(body.importId, 240_000);
    assert.equal(done.counts.invalid, 100);
    assert.equal(done.counts['not-found'], 99_900);
    assert.equal(done.chunks, 20);
    const history = await stack.client.workflow.getHandle(done.workflowId).fetchHistory();
    assert.ok((history.events?.length ?? 0) < 2000, `history of ${history.events?.length} events`);

    const stranger = await stack.app.request(`/v1/imports/${body.importId}`, { headers: { authorization: 'Bearer other-source-key' } });
    assert.equal(stranger.status, 404);
  });

  it('streams a 50 MB multipart upload into the spool with bounded memory and counts every row', async () => {
    const boundary = 'clawback-test-boundary';
    const rows = 48_000;
    const subject = 'x'.repeat(1000);
    let early = 0;
    let late = 0;
    async function* form() {
      yield `--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nweekly trace\r\n`;
      yield `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="trace.csv"\r\nContent-Type: text/csv\r\n\r\n`;
      yield 'Date,Sender,Recipients,Message_ID,Subject\n';
      for (let i = 0; i < rows; i++) {
        if (i === rows / 10) early = retainedMemory();
        if (i === rows - rows / 10) late = retainedMemory();
        // No Message-ID: every row is counted as invalid, so the cleanup has nothing to submit.
        yield `2026-12-01T10:00:00Z,${a.attacker},nobody${i % 500}@${a.alice.split('@')[1]},,${subject}\n`;
      }
      yield `\r\n--${boundary}--\r\n`;
    }
    const { status, body } = await upload(form(), { type: `multipart/form-data; boundary=${boundary}` });
    assert.equal(status, 202, JSON.stringify(body));
    assert.equal(body.rows, rows);
    assert.equal(body.invalid, rows);
    // Holding the 40 MB between the two samples would show; streaming keeps a few buffers.
    const growth = late - early;
    assert.ok(growth < 16 * 1024 * 1024, `memory kept grew by ${Math.round(growth / 1e6)} MB over 40 MB of upload`);
    // What the cleanup does with rows is the first test's business: this one stops at the spool.
    await stack.client.workflow.getHandle(body.workflowId).terminate('multipart streaming test');
  });
});
