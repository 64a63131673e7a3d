import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEMO_ADMIN_KEY, DEMO_SOURCE_KEY, startStack, uniqueScenario } from './support/stack.js';
import { incidentIdFor } from '../src/domain/ids.js';

const exampleAlert = JSON.parse(readFileSync(new URL('../examples/alert.json', import.meta.url), 'utf8'));
let stack: Awaited<ReturnType<typeof startStack>>;
let alert: typeof exampleAlert;

before(async () => {
  const { scenario, rename } = uniqueScenario();
  stack = await startStack({ scenario });
  alert = { ...exampleAlert, messageId: rename(exampleAlert.messageId) };
});
after(() => stack.stop());

/** Bad requests change nothing: no incident for the message, every copy where it was. */
async function assertNothingChanged(snapshot: string) {
  assert.equal(JSON.stringify(stack.tenant.locate(alert.messageId)), snapshot);
  const read = await stack.request('GET', `/v1/incidents/${incidentIdFor(alert.messageId)}`, { key: DEMO_ADMIN_KEY });
  assert.equal(read.status, 404);
}

test('an invalid alert gets 400 naming every bad field, and starts nothing', async () => {
  const snapshot = JSON.stringify(stack.tenant.locate(alert.messageId));
  const { status, body } = await stack.request('POST', '/v1/alerts', {
    key: DEMO_SOURCE_KEY,
    body: { ...alert, sender: 'not-an-address', recipients: [], threat: { classification: 'nonsense' }, extra: 1 },
  });
  assert.equal(status, 400);
  const paths = body.error.issues.map((i: any) => i.path).sort();
  assert.deepEqual(paths, ['recipients', 'sender', 'threat.classification']);
  await assertNothingChanged(snapshot);
});

test('a body that is not JSON gets 400, not 500', async () => {
  const { status, body } = await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: '{"messageId": ' });
  assert.equal(status, 400);
  assert.ok(body.error.message);
});

test('no key is 401, an unknown key is 401, a key without the right is 403', async () => {
  const snapshot = JSON.stringify(stack.tenant.locate(alert.messageId));
  assert.equal((await stack.request('POST', '/v1/alerts', { body: alert })).status, 401);
  assert.equal((await stack.request('POST', '/v1/alerts', { key: 'demo-source-kez', body: alert })).status, 401);
  assert.equal((await stack.request('POST', '/v1/alerts', { key: DEMO_ADMIN_KEY, body: alert })).status, 403);
  await assertNothingChanged(snapshot);
});

test('a body over the size limit gets 413', async () => {
  const huge = { ...alert, subject: 'x'.repeat(stack.config.api.bodyLimitBytes) };
  const { status, body } = await stack.request('POST', '/v1/alerts', { key: DEMO_SOURCE_KEY, body: huge });
  assert.equal(status, 413);
  assert.equal(body.error.code, 'payload-too-large');
});

test('an unknown incident is 404 for reads and admin actions', async () => {
  assert.equal((await stack.request('GET', '/v1/incidents/0123456789abcdef01234567', { key: DEMO_SOURCE_KEY })).status, 404);
  assert.equal((await stack.request('POST', '/v1/incidents/0123456789abcdef01234567/undo', { key: DEMO_ADMIN_KEY })).status, 404);
  assert.equal((await stack.request('POST', '/v1/incidents/0123456789abcdef01234567/approve', { key: DEMO_ADMIN_KEY })).status, 404);
});

test('an admin action with a bad body is 400', async () => {
  const { status } = await stack.request('POST', '/v1/incidents/0123456789abcdef01234567/undo', { key: DEMO_ADMIN_KEY, body: { reason: 7 } });
  assert.equal(status, 400);
});

test('the OpenAPI description documents every route from the same schemas', async () => {
  const { status, body } = await stack.request('GET', '/openapi.json');
  assert.equal(status, 200);
  const documented = ['/threat/json_event/events/{routeId}', '/v1/alerts', '/v1/incidents/{id}', '/v1/incidents/{id}/approve', '/v1/incidents/{id}/audit', '/v1/incidents/{id}/graph.svg', '/v1/incidents/{id}/repull', '/v1/incidents/{id}/undo', '/v1/sources/{id}/fireeye', '/v1/sources/{id}/tap'];
  assert.deepEqual(documented.filter((path) => !(path in body.paths)), []);
  const alertSchema = body.paths['/v1/alerts'].post.requestBody.content['application/json'].schema.anyOf[0];
  assert.ok(alertSchema.required.includes('messageId'));
  assert.ok(body.paths['/v1/alerts'].post.responses['413']);
});
