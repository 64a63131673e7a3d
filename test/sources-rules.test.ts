import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Alert, type AlertInput } from '../src/domain/alert.js';
import { parseConfig } from '../src/config/load.js';
import { RateLimiter } from '../src/api/rate-limit.js';
import { MatchRule, RuleSet, type MatchConditions } from '../src/sources/rules.js';
import { SourceRegistry } from '../src/sources/registry.js';

const base: AlertInput = {
  messageId: '<m1@evil.example>',
  sender: 'billing@Evil.example',
  recipients: ['a@corp.example', 'b@other.example'],
  subject: 'Overdue INVOICE 4471',
  threat: { classification: 'phish', score: 85, status: 'active', urls: ['https://login.evil.example/x'] },
};
const alert = (change: Partial<AlertInput> = {}, threat: Partial<AlertInput['threat']> = {}) =>
  Alert.parse({ ...base, ...change, threat: { ...base.threat, ...threat } });
const holds = (when: MatchConditions, a = alert()) => new RuleSet([MatchRule.parse({ id: 'r', when, policy: 'auto' })]).decide(a).rule === 'r';

const table: [string, MatchConditions, ReturnType<typeof alert>, boolean][] = [
  ['no conditions match everything', {}, alert(), true],
  ['classification in the set', { classification: ['malware', 'phish'] }, alert(), true],
  ['classification outside the set', { classification: ['malware'] }, alert(), false],
  ['threat status in the set', { threatStatus: ['active'] }, alert(), true],
  ['threat status outside the set', { threatStatus: ['active'] }, alert({}, { status: 'falsePositive' }), false],
  ['threat status absent', { threatStatus: ['active'] }, alert({}, { status: undefined }), false],
  ['score at the threshold', { scoreAtLeast: 85 }, alert(), true],
  ['score below the threshold', { scoreAtLeast: 86 }, alert(), false],
  ['score absent', { scoreAtLeast: 1 }, alert({}, { score: undefined }), false],
  ['sender domain, any case', { senderDomain: ['EVIL.example'] }, alert(), true],
  ['sender domain elsewhere', { senderDomain: ['corp.example'] }, alert(), false],
  ['one recipient in a domain is enough', { recipientDomain: ['corp.example'] }, alert(), true],
  ['no recipient in the domain', { recipientDomain: ['nowhere.example'] }, alert(), false],
  ['subject regex, case-insensitive', { subject: 'invoice \\d+' }, alert(), true],
  ['subject regex misses', { subject: '^refund' }, alert(), false],
  ['subject absent', { subject: '.*' }, alert({ subject: undefined }), false],
  ['url regex on any URL', { url: '^https://[^/]*\\.evil\\.example/' }, alert(), true],
  ['url regex, no URLs', { url: 'evil' }, alert({}, { urls: undefined }), false],
  ['all conditions must hold', { classification: ['phish'], scoreAtLeast: 90 }, alert(), false],
];

for (const [name, when, input, expected] of table) {
  test(`match condition: ${name}`, () => assert.equal(holds(when, input), expected));
}

test('the first matching rule wins; no match is record, with no rule named', () => {
  const rules = new RuleSet([
    MatchRule.parse({ id: 'cleared', when: { threatStatus: ['cleared', 'falsePositive'] }, policy: 'record' }),
    MatchRule.parse({ id: 'sure-phish', when: { classification: ['phish'], scoreAtLeast: 80 }, policy: 'auto' }),
    MatchRule.parse({ id: 'phish', when: { classification: ['phish'] }, policy: 'approval' }),
  ]);
  assert.deepEqual(rules.decide(alert()), { policy: 'auto', rule: 'sure-phish' });
  assert.deepEqual(rules.decide(alert({}, { score: 40 })), { policy: 'approval', rule: 'phish' });
  assert.deepEqual(rules.decide(alert({}, { status: 'cleared' })), { policy: 'record', rule: 'cleared' });
  assert.deepEqual(rules.decide(alert({}, { classification: 'spam' })), { policy: 'record' });
});

const config = (sources: unknown[]) =>
  parseConfig({ tenants: [{ id: 't', domains: ['corp.example'], provider: { type: 'simulated' } }], sources });

test('a source with only a policy is one rule matching everything; without either it pulls (auto)', () => {
  const registry = new SourceRegistry(config([
    { id: 'old', key: 'old-key-123', policy: 'approval' },
    { id: 'bare', key: 'bare-key-123' },
  ]).sources);
  assert.deepEqual(registry.get('old')?.rules.decide(alert({}, { classification: 'spam' })), { policy: 'approval', rule: 'policy' });
  assert.deepEqual(registry.get('bare')?.rules.decide(alert()), { policy: 'auto', rule: 'policy' });
});

test('bad rules stop the config with their paths: a bad regex, policy with rules, a route id off trap, a duplicate rule', () => {
  assert.throws(
    () => config([
      { id: 'a', key: 'a-key-1234', rules: [{ id: 'x', when: { subject: '(' }, policy: 'auto' }] },
      { id: 'b', key: 'b-key-1234', policy: 'auto', rules: [{ id: 'x', policy: 'auto' }] },
      { id: 'c', key: 'c-key-1234', routeId: 'route-id-123' },
      { id: 'd', key: 'd-key-1234', rules: [{ id: 'x', policy: 'auto' }, { id: 'x', policy: 'record' }] },
    ]),
    (error: any) => {
      assert.deepEqual(error.issues.map((i: any) => i.path).sort(), ['sources.0.rules.0.when.subject', 'sources.1.policy', 'sources.2.routeId', 'sources.3.rules']);
      return true;
    },
  );
});

test('route ids are found by value (held as digests), never by a near miss', () => {
  const registry = new SourceRegistry(config([
    { id: 'soar', type: 'trap', key: 'soar-key-123', routeId: { env: 'SOAR_ROUTE' } },
    { id: 'gw', key: 'gw-key-1234' },
  ]).sources, { SOAR_ROUTE: 'k3J9xQ2mW8vT5nB7cR4zL6pY1hD0fG' });
  assert.equal(registry.byRouteId('k3J9xQ2mW8vT5nB7cR4zL6pY1hD0fG')?.config.id, 'soar');
  assert.equal(registry.byRouteId('k3J9xQ2mW8vT5nB7cR4zL6pY1hD0fH'), undefined);
  assert.equal(registry.byRouteId(''), undefined);
});

test('the token bucket lets a burst through, then the sustained rate, and says when to retry', () => {
  let now = 0;
  const limiter = new RateLimiter(() => now);
  const limit = { perSecond: 2, burst: 3 };
  assert.deepEqual([1, 2, 3].map(() => limiter.take('s', limit).ok), [true, true, true]);
  assert.deepEqual(limiter.take('s', limit), { ok: false, retryAfterSeconds: 1 });
  assert.equal(limiter.take('other', limit).ok, true, 'each source has its own bucket');
  now = 500;
  assert.equal(limiter.take('s', limit).ok, true);
  assert.equal(limiter.take('s', limit).ok, false);
  now = 60_000;
  assert.deepEqual([1, 2, 3, 4].map(() => limiter.take('s', limit).ok), [true, true, true, false], 'refills up to the burst only');
});
