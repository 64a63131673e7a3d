import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEMO_BENIGN_MESSAGE_ID, DEMO_MESSAGE_ID } from '../src/sim/demo.js';
import { incidentIdFor } from '../src/domain/ids.js';
import { DEMO_SOURCE_KEY, startStack, uniqueScenario } from './support/stack.js';

const QUARANTINE = 'Clawback Quarantine';
const ROUTE_ID = 'k3J9xQ2mW8vT5nB7cR4zL6pY1hD0fGaa';
const KEYS = { soar: 'soar-key-0001', tap: 'tap-key-00001', ex: 'ex-key-000001', tight: 'tight-key-001' };

let stack: Awaited<ReturnType<typeof startStack>>;
let rename: (id: string) => string;

/** A vendor fixture about this run's copy of the demo messages. */
function fixture(name: string): any {
  const text = readFileSync(new URL(`./fixtures/sources/${name}`, import.meta.url), 'utf8');
  return JSON.parse(text.replace(/<[^<>\s"]+@[^<>\s"]+>/g, (id) => rename(id)));
}

before(async () => {
  const unique = uniqueScenario();
  rename = unique.rename;
  stack = await startStack({
    scenario: unique.scenario,
    sources: [
      { id: 'soar', type: 'trap', key: KEYS.soar, routeId: ROUTE_ID, rules: [{ id: 'sure-phish', when: { classification: ['phish'], scoreAtLeast: 80 }, policy: 'auto' }] },
      { id: 'tap', type: 'tap', key: KEYS.tap, rules: [{ id: 'active', when: { threatStatus: ['active'] }, policy: 'auto' }] },
      { id: 'ex', type: 'fireeye', key: KEYS.ex, policy: 'auto' },
      { id: 'tight', key: KEYS.tight, rateLimit: { perSecond: 0.5, burst: 2 } },
    ],
  });
});
after(() => stack.stop());

async function post(path: string, body: unknown, key?: string) {
  return stack.request('POST', path, { key, body });
}

async function assertNoIncident(messageId: string) {
  const read = await stack.request('GET', `/v1/incidents/${incidentIdFor(messageId)}`, { key: DEMO_SOURCE_KEY });
  assert.equal(read.status, 404);
}

const copiesOf = (messageId: string) => stack.tenant.locate(messageId);

test('a TRAP alert with no auth header and the right route id pulls the demo message under the matching rule', async () => {
  const { status, body } = await post(`/threat/json_event/events/${ROUTE_ID}`, fixture('trap-alert.json'));
  assert.equal(status, 202, JSON.stringify(body));
  assert.deepEqual([body.status, body.policy, body.rule], ['started', 'auto', 'sure-phish']);
  const incident = await stack.waitFor(body.incidentId, (s) => s.status === 'contained' || s.status === 'partially-contained');
  assert.equal(incident.policy, 'auto');
  const history = await stack.client.workflow.getHandle(body.workflowId).fetchHistory();
  const input = JSON.parse(Buffer.from(history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!.data!).toString());
  assert.match(input.alert.threat.detail, /^\[rule sure-phish: auto\] User-reported phish/);
  assert.equal(input.alert.raw.format, 'trap');
  const messageId = rename(DEMO_MESSAGE_ID);
  assert.ok(copiesOf(messageId).length > 0);
  assert.deepEqual(copiesOf(messageId).filter((p) => p.folderPath !== QUARANTINE), []);
});

test('a wrong route id without a key is 401, and a key of another source type is 403: nothing started', async () => {
  const alert = { ...fixture('trap-alert.json'), email: { ...fixture('trap-alert.json').email, header: { 'message-id': rename(DEMO_BENIGN_MESSAGE_ID) } } };
  const before = JSON.stringify(copiesOf(rename(DEMO_BENIGN_MESSAGE_ID)));
  const wrong = await post(`/threat/json_event/events/${ROUTE_ID.slice(0, -1)}b`, alert);
  assert.deepEqual([wrong.status, wrong.body.error.code], [401, 'unauthorized']);
  assert.equal((await post(`/threat/json_event/events/${ROUTE_ID}`, alert, DEMO_SOURCE_KEY)).status, 403);
  assert.equal((await post(`/threat/json_event/events/${ROUTE_ID}`, alert, 'not-a-key-at-all')).status, 401);
  await assertNoIncident(rename(DEMO_BENIGN_MESSAGE_ID));
  assert.equal(JSON.stringify(copiesOf(rename(DEMO_BENIGN_MESSAGE_ID))), before);
});

test('a TRAP body over its route limit is 413, under the API-wide limit', async () => {
  const big = { ...fixture('trap-alert.json'), summary: 'x'.repeat(300 * 1024) };
  const { status, body } = await post(`/threat/json_event/events/${ROUTE_ID}`, big);
  assert.deepEqual([status, body.error.code], [413, 'payload-too-large']);
});

test('a TRAP alert without a Message-ID is 400 naming the field', async () => {
  const { status, body } = await post(`/threat/json_event/events/${ROUTE_ID}`, fixture('trap-no-message-id.json'));
  assert.equal(status, 400);
  assert.deepEqual(body.error.issues.map((i: any) => i.path), ['email.header.message-id']);
});

test('an alert no rule matches is only recorded: searched and reported, nothing pulled', async () => {
  const benign = rename(DEMO_BENIGN_MESSAGE_ID);
  const base = fixture('trap-informational-messageid.json');
  const alert = { ...base, email: { ...base.email, sender: 'agenda@outside.example', recipient: ['a.smith@demo.clawback.test'], messageId: benign } };
  const before = JSON.stringify(copiesOf(benign));
  const { status, body } = await post(`/threat/json_event/events/${ROUTE_ID}`, alert, KEYS.soar);
  assert.equal(status, 202, JSON.stringify(body));
  assert.deepEqual([body.policy, body.rule, body.ignoredFields], ['record', undefined, ['reporter_notes']]);
  const incident = await stack.waitFor(body.incidentId, (s) => s.status === 'recorded');
  assert.equal(incident.policy, 'record');
  assert.equal(JSON.stringify(copiesOf(benign)), before);
});

test('a TAP SIEM batch answers per record (207): delivered and clicked merge, the record without messageID is refused', async () => {
  const { status, body } = await post('/v1/sources/tap/tap', fixture('tap-siem.json'), KEYS.tap);
  assert.equal(status, 207, JSON.stringify(body));
  assert.deepEqual(body.results.map((r: any) => [r.index, r.status]), [[0, 'merged'], [1, 'rejected'], [2, 'merged']]);
  assert.deepEqual(body.results[1].issues.map((i: any) => i.path), ['messagesDelivered.1.messageID']);
  assert.equal(body.results[0].rule, 'active');
  assert.equal((await post('/v1/sources/tap/tap', fixture('tap-siem.json'), KEYS.soar)).status, 403);
  assert.equal((await post('/v1/sources/ex/tap', fixture('tap-siem.json'), KEYS.ex)).status, 403);
});

test('FireEye alerts, plain and {"value"}-wrapped, merge into the incident; the bad one in a batch is named', async () => {
  const plain = await post('/v1/sources/ex/fireeye', fixture('fireeye-plain.json'), KEYS.ex);
  assert.deepEqual([plain.status, plain.body.status], [202, 'merged']);
  const wrapped = await post('/v1/sources/ex/fireeye', fixture('fireeye-wrapped.json'), KEYS.ex);
  assert.equal(wrapped.status, 207);
  assert.deepEqual(wrapped.body.results[0].ignoredFields, ['alert.0.appliance-note']);
  assert.deepEqual(wrapped.body.results[1].issues.map((i: any) => i.path), ['alert.1.smtp-message.message-id']);
});

test('header injection in a Clawback alert is 400 and starts nothing', async () => {
  const messageId = `<inject-${Date.now()}@evil.example>`;
  const alert = JSON.parse(readFileSync(new URL('../examples/alert.json', import.meta.url), 'utf8'));
  const { status, body } = await post('/v1/alerts', { ...alert, alertId: undefined, messageId, subject: 'Invoice\r\nBcc: all@demo.clawback.test' }, DEMO_SOURCE_KEY);
  assert.equal(status, 400);
  assert.deepEqual(body.error.issues.map((i: any) => i.path), ['subject']);
  await assertNoIncident(messageId);
});

test('a source over its rate limit gets 429 with Retry-After', async () => {
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  for (let i = 0; i < 3; i++) {
    const response = await stack.raw('POST', '/v1/alerts', KEYS.tight);
    statuses.push(response.status);
    retryAfter = response.headers.get('retry-after');
  }
  assert.deepEqual(statuses, [400, 400, 429]);
  assert.ok(Number(retryAfter) >= 1);
  assert.equal((await stack.raw('POST', '/v1/alerts', DEMO_SOURCE_KEY)).status, 400, 'other sources keep their own bucket');
});
