import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { ConfigError, demoConfig, loadConfig, parseConfig } from '../src/config/load.js';
import { Authenticator } from '../src/api/auth.js';

function configFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'clawback-config-'));
  const file = join(dir, 'clawback.yaml');
  writeFileSync(file, text);
  return file;
}

test('without CLAWBACK_CONFIG the demo runs with the documented keys', () => {
  const { config, demo } = loadConfig({}, '/data');
  assert.equal(demo, true);
  const auth = new Authenticator(config, {});
  assert.equal(auth.identify('Bearer demo-source-key')?.kind, 'source');
  assert.equal(auth.identify('Bearer demo-admin-key')?.kind, 'admin');
  const provider = config.tenants[0]?.provider;
  assert.ok(provider?.type === 'simulated');
  assert.equal(provider.stateFile, '/data/demo-tenant.json');
});

test('a bad config file is refused with every bad path named', () => {
  const file = configFile(`
tenants:
  - id: Corp
    domains: []
    provider: { type: exchange }
sources:
  - id: gw
    key: short
    policy: sometimes
`);
  assert.throws(
    () => loadConfig({ CLAWBACK_CONFIG: file }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      const paths = error.issues.map((i) => i.path).sort();
      assert.deepEqual(paths, ['sources.0.key', 'sources.0.policy', 'tenants.0.domains', 'tenants.0.id', 'tenants.0.provider.type']);
      assert.match(error.message, new RegExp(file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      return true;
    },
  );
});

test('a missing file and a file that is not YAML are clear errors', () => {
  assert.throws(() => loadConfig({ CLAWBACK_CONFIG: '/nonexistent/clawback.yaml' }), /cannot read CLAWBACK_CONFIG/);
  assert.throws(() => loadConfig({ CLAWBACK_CONFIG: configFile('tenants: [\n') }), /neither YAML nor JSON/);
});

test('one domain routed to two tenants is refused', () => {
  const file = configFile(`
tenants:
  - { id: a, domains: [corp.example], provider: { type: simulated } }
  - { id: b, domains: [CORP.example], provider: { type: simulated } }
sources: [{ id: gw, key: gateway-key-1 }]
`);
  assert.throws(() => loadConfig({ CLAWBACK_CONFIG: file }), /already routed to tenant a/);
});

test('quarantine-mailbox without a quarantine mailbox is refused; with one it is kept per tenant', () => {
  const tenant = (quarantine: string) => `
tenants:
  - { id: a, domains: [corp.example], provider: { type: simulated }${quarantine} }
sources: [{ id: gw, key: gateway-key-1 }]
incident: { quarantineAction: quarantine-mailbox }
`;
  assert.throws(() => loadConfig({ CLAWBACK_CONFIG: configFile(tenant('')) }), /tenants\.0\.quarantine\.mailbox.*quarantine mailbox/s);
  const { config } = loadConfig({ CLAWBACK_CONFIG: configFile(tenant(', quarantine: { mailbox: SOC-Quarantine@corp.example }')) });
  assert.deepEqual(config.tenants[0]?.quarantine, { folderName: 'Clawback Quarantine', mailbox: 'soc-quarantine@corp.example' });
});

test('relative paths are relative to the config file; keys come from env or digests', () => {
  const digest = createHash('sha256').update('admin-secret-key').digest('hex');
  const file = configFile(`
tenants: [{ id: corp, domains: [corp.example], provider: { type: simulated, scenario: scen.json, stateFile: state/t.json } }]
sources: [{ id: gw, key: { env: GW_KEY }, policy: approval }]
admins: [{ id: lead, key: { sha256: ${digest} } }]
`);
  const { config } = loadConfig({ CLAWBACK_CONFIG: file });
  const dir = file.slice(0, file.lastIndexOf('/'));
  const provider = config.tenants[0]?.provider;
  assert.ok(provider?.type === 'simulated');
  assert.equal(provider.scenario, join(dir, 'scen.json'));
  assert.equal(provider.stateFile, join(dir, 'state/t.json'));
  const auth = new Authenticator(config, { GW_KEY: 'gateway-secret' });
  assert.deepEqual(auth.identify('Bearer gateway-secret'), { kind: 'source', id: 'gw', rights: ['alerts:submit', 'incidents:read'], policy: 'approval' });
  assert.equal(auth.identify('Bearer admin-secret-key')?.id, 'lead');
  assert.equal(auth.identify('Bearer admin-secret-kez'), undefined);
  assert.equal(auth.identify('Basic admin-secret-key'), undefined);
  assert.throws(() => new Authenticator(config, {}), /GW_KEY is not set/);
});

test('only a tap source may poll: poll on another type is refused at its path', () => {
  const poll = { principal: 'svc-principal', secret: { env: 'TAP_SECRET' } };
  const config = (type: string) => ({
    tenants: [{ id: 'corp', domains: ['corp.example'], provider: { type: 'simulated' } }],
    sources: [{ id: 'feed', type, key: 'feed-key-123', policy: 'auto', poll }],
  });
  assert.throws(
    () => parseConfig(config('fireeye')),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.deepEqual(error.issues.map((i) => [i.path, i.message]), [['sources.0.poll', "only a tap source polls; this source's type is fireeye"]]);
      return true;
    },
  );
  assert.equal(parseConfig(config('tap')).sources[0]?.poll?.principal, 'svc-principal');
});

test('an email channel without events must answer reporters; an abuse mailbox must be in a tenant', () => {
  const base = demoConfig('/nonexistent');
  const channel = { id: 'reporters', type: 'email', smtp: { host: 'smtp.demo.clawback.test' }, from: 'security@demo.clawback.test' };
  assert.throws(() => parseConfig({ ...base, notifications: { channels: [channel] } }), /channel reporters has no events and answers no reporters/);
  const mailboxes = [{ id: 'phish-reports', address: 'report-phish@demo.clawback.test' }];
  const replying = parseConfig({ ...base, notifications: { channels: [channel] }, abuse: { mailboxes, replies: { channel: 'reporters' } } });
  assert.equal(replying.abuse.mailboxes[0]?.intervalMs, 60_000);
  assert.throws(() => parseConfig({ ...base, abuse: { mailboxes: [{ id: 'elsewhere', address: 'abuse@elsewhere.example' }] } }), /abuse@elsewhere.example is in no configured tenant's domains/);
  assert.throws(() => parseConfig({ ...base, abuse: { mailboxes, replies: { channel: 'missing' } } }), /no email channel missing/);
});
