import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CopyState, IncidentState } from '../src/domain/incident.js';
import { forwardGraphDot, forwardGraphSvg, MAX_MAILBOX_NODES } from '../src/incidents/forward-graph.js';
import { incidentDetails } from '../workflows/details.js';

const mailbox = (address: string) => ({ tenantId: 't', mailboxId: address, address, kind: 'user' as const });
const copy = (address: string, status: CopyState['status'], provenance: CopyState['provenance']): CopyState => ({
  key: `t/${address}/1`,
  mailbox: mailbox(address),
  messageId: '<m@evil.example>',
  folderPath: 'Inbox',
  isRead: false,
  provenance,
  status,
});

function incident(copies: CopyState[]): IncidentState {
  return {
    incidentId: 'i1',
    status: 'partially-contained',
    policy: 'auto',
    messageId: '<m@evil.example>',
    sender: 'bad@evil.example',
    subject: 'Invoice | "urgent"',
    sources: ['gw'],
    alertKeys: ['gw:1'],
    recipients: ['list@corp.example'],
    counts: { recipients: 1, mailboxesSearched: copies.length, copiesFound: copies.length, copiesPulled: 1, copiesRestored: 0, forwards: 1, residual: 1 },
    copies,
    forwards: [{ from: 'a@corp.example', messageId: '<fw@corp.example>', recipients: ['b@corp.example', 'x@partner.example'], depth: 1 }],
    residualExposure: [{ address: 'x@partner.example', reason: 'external', detail: 'forwarded by a@corp.example' }],
    audit: [],
    createdAt: '2026-12-04T10:00:00Z',
    updatedAt: '2026-12-04T10:00:00Z',
  };
}

const sample = incident([
  copy('a@corp.example', 'pulled', { via: 'list', through: 'list@corp.example', depth: 0 }),
  copy('b@corp.example', 'failed', { via: 'forward', through: 'a@corp.example', depth: 1 }),
]);

test('the forward graph shows sender, list, mailboxes by status, the forward and the external recipient', async () => {
  const dot = forwardGraphDot(sample);
  assert.match(dot, /"sender:bad@evil.example" -> "list:list@corp.example"/);
  assert.match(dot, /"list:list@corp.example" -> "mailbox:a@corp.example"/);
  assert.match(dot, /"mailbox:a@corp.example" -> "mailbox:b@corp.example" \[label="forward \(depth 1\)"\]/);
  assert.match(dot, /"mailbox:a@corp.example" -> "external:x@partner.example" \[label="forward", style=dashed\]/);
  assert.match(dot, /"mailbox:a@corp.example" \[label="a@corp.example\\n1 copy: pulled", fillcolor="#2a9d8f"\]/);
  assert.match(dot, /"mailbox:b@corp.example" \[label="b@corp.example\\n1 copy: failed", fillcolor="#e63946"\]/);
  const svg = await forwardGraphSvg(sample);
  assert.match(svg, /^<\?xml[\s\S]*<svg[\s\S]*b@corp\.example[\s\S]*<\/svg>\s*$/);
});

test('an address with quotes cannot break out of the graph description', () => {
  const hostile = incident([copy('a"];evil[@corp.example', 'pulled', { via: 'direct', depth: 0 })]);
  const dot = forwardGraphDot(hostile);
  assert.ok(dot.includes('"mailbox:a\\"];evil[@corp.example"'), dot);
});

test('a campaign over many mailboxes is drawn as one counted node per way in', () => {
  const many = Array.from({ length: MAX_MAILBOX_NODES + 1 }, (_, i) => copy(`u${i}@corp.example`, i === 0 ? 'failed' : 'pulled', { via: 'list', through: 'list@corp.example', depth: 0 }));
  const dot = forwardGraphDot(incident(many));
  assert.doesNotMatch(dot, /mailbox:u1@/);
  assert.match(dot, /"group:list:list@corp.example" \[label="151 mailboxes\\n150 of 151 copies pulled"/);
});

test('the UI details carry counts, progress with an ETA, forwards, residual exposure and links, escaped for Markdown', () => {
  const details = incidentDetails(sample, { searched: 250, queued: 1000, etaMs: 9 * 60_000 }, { incident: 'https://clawback.example/v1/incidents/i1', graph: 'https://clawback.example/v1/incidents/i1/graph.svg' });
  assert.match(details, /^\*\*partially-contained\*\* · `<m@evil\.example>` from bad@evil\.example · “Invoice \\\| "urgent"”/);
  assert.match(details, /\| 1 \| 2 \| 2 \| 1 \| 0 \| 1 \| 1 \|/);
  assert.match(details, /Searching: 250 of 1000 mailboxes \(25%\), about 9 min left/);
  assert.match(details, /- a@corp\.example → b@corp\.example, x@partner\.example \(depth 1\)/);
  assert.match(details, /- x@partner\.example: external \(forwarded by a@corp\.example\)/);
  assert.match(details, /\[Forward graph\]\(https:\/\/clawback\.example\/v1\/incidents\/i1\/graph\.svg\)/);
  assert.doesNotMatch(incidentDetails(sample, { searched: 2, queued: 2 }), /Searching/);
});
