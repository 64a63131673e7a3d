import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Candidate } from '../src/sources/candidate.js';
import { parseClawbackBody } from '../src/sources/clawback.js';
import { parseFireEyeBody } from '../src/sources/fireeye.js';
import { parseTapBody } from '../src/sources/tap-events.js';
import { parseTrapBody } from '../src/sources/trap-json.js';

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/sources/${name}`, import.meta.url), 'utf8'));
const DEMO_ID = '<invoice-4471@billing-portal.example>';

function accepted(candidate: Candidate | undefined) {
  assert.ok(candidate?.ok, `expected an alert, got ${JSON.stringify(candidate)}`);
  return candidate;
}
function refused(candidate: Candidate | undefined) {
  assert.ok(candidate && !candidate.ok, `expected a refusal, got ${JSON.stringify(candidate)}`);
  return candidate.issues;
}

test('a TRAP JSON 2.0 alert normalises: header Message-ID (any case), recipients list, Critical severity, URLs', () => {
  const { batch, candidates } = parseTrapBody(fixture('trap-alert.json'));
  assert.equal(batch, false);
  const { alert, ignoredFields } = accepted(candidates[0]);
  assert.equal(alert.messageId, DEMO_ID);
  assert.deepEqual(alert.recipients, ['all-staff@demo.clawback.test', 'a.smith@demo.clawback.test', 'finance@demo.clawback.test']);
  assert.deepEqual([alert.threat.classification, alert.threat.score], ['phish', 95]);
  assert.deepEqual(alert.threat.urls, ['https://billing-portal.example/pay?id=4471', 'https://billing-portal.example/login']);
  assert.match(alert.threat.detail ?? '', /Credential phish/);
  assert.equal(alert.raw?.format, 'trap');
  assert.match(alert.raw?.sha256 ?? '', /^[0-9a-f]{64}$/);
  assert.deepEqual(ignoredFields, []);
});

test('TRAP: "info" severity, a recipient string, the messageId variant with spaces, unknown fields named', () => {
  const { alert, ignoredFields } = accepted(parseTrapBody(fixture('trap-informational-messageid.json')).candidates[0]);
  assert.equal(alert.messageId, '<digest-20261201@promo.example>');
  assert.deepEqual(alert.recipients, ['a.smith@demo.clawback.test']);
  assert.deepEqual([alert.threat.classification, alert.threat.score], ['suspicious', 10]);
  assert.deepEqual(ignoredFields, ['reporter_notes']);
});

test('TRAP: both severity vocabularies map to the same scores, an unknown one is refused by path', () => {
  const base = fixture('trap-alert.json');
  const score = (severity: string) => accepted(parseTrapBody({ ...base, severity }).candidates[0]).alert.threat.score;
  assert.deepEqual(['info', 'minor', 'moderate', 'major', 'critical'].map(score), ['Informational', 'Low', 'Medium', 'High', 'Critical'].map(score));
  assert.deepEqual(refused(parseTrapBody({ ...base, severity: 'urgent' }).candidates[0]).map((i) => i.path), ['severity']);
});

test('TRAP without a Message-ID is refused naming the field', () => {
  const issues = refused(parseTrapBody(fixture('trap-no-message-id.json')).candidates[0]);
  assert.deepEqual(issues.map((i) => i.path), ['email.header.message-id']);
});

test('header injection (CR, LF, NUL) in an address, a subject or a Message-ID is refused', () => {
  const base = fixture('trap-alert.json');
  const withEmail = (email: object) => parseTrapBody({ ...base, email: { ...base.email, ...email } }).candidates[0];
  const paths = (email: object) => refused(withEmail(email)).map((i) => i.path);
  assert.deepEqual(paths({ subject: 'Invoice\r\nBcc: everyone@demo.clawback.test' }), ['email.subject']);
  assert.deepEqual(paths({ header: { 'message-id': '<a@b.example>\r\nX-Injected: 1' } }), ['email.header.message-id']);
  assert.deepEqual(paths({ header: { 'message-id': '<a@b.example>\u0000' } }), ['email.header.message-id']);
  assert.deepEqual(paths({ sender: 'billing@billing-portal.example\n' }), ['email.sender']);
  assert.deepEqual(paths({ recipient: 'a.smith@demo.clawback.test\r\n' }), ['email.recipient.0']);
});

test('a TAP SIEM batch answers per record: delivered messages and permitted clicks, a record without messageID refused', () => {
  const { batch, candidates } = parseTapBody(fixture('tap-siem.json'));
  assert.equal(batch, true);
  assert.equal(candidates.length, 3);
  const message = accepted(candidates[0]).alert;
  assert.equal(message.messageId, DEMO_ID);
  assert.deepEqual([message.threat.classification, message.threat.score, message.threat.status], ['phish', 92, 'active']);
  assert.deepEqual(message.threat.urls, ['https://billing-portal.example/login']);
  assert.equal(message.receivedAt, '2026-12-01T09:14:00.000Z');
  assert.equal(message.alertId, 'c26dbea0-80d5-463b-b93c-4e8b708219ce');
  assert.deepEqual(refused(candidates[1]).map((i) => i.path), ['messagesDelivered.1.messageID']);
  const click = accepted(candidates[2]).alert;
  assert.deepEqual(click.recipients, ['a.smith@demo.clawback.test']);
  assert.deepEqual([click.threat.classification, click.threat.urls], ['phish', ['https://billing-portal.example/login']]);
});

test('a TAP envelope whose list is not a list is refused by name, not read as empty', () => {
  const { candidates } = parseTapBody({ messagesDelivered: { GUID: 'x' }, clicksPermitted: [] });
  assert.deepEqual(refused(candidates[0]).map((i) => i.path), ['messagesDelivered']);
});

test('one TAP record alone is a single alert; a recipient string is one recipient; unknown fields are named', () => {
  const record = { ...fixture('tap-siem.json').messagesDelivered[0], recipient: 'a.smith@demo.clawback.test', newTapField: 1 };
  const { batch, candidates } = parseTapBody(record);
  assert.equal(batch, false);
  const { alert, ignoredFields } = accepted(candidates[0]);
  assert.deepEqual(alert.recipients, ['a.smith@demo.clawback.test']);
  assert.deepEqual(ignoredFields, ['newTapField']);
  const cleared = { ...record, threatsInfoMap: [{ ...record.threatsInfoMap[0], threatStatus: 'falsePositive' }] };
  assert.equal(accepted(parseTapBody(cleared).candidates[0]).alert.threat.status, 'falsePositive');
});

test('a FireEye EX alert normalises: Message-ID from the folded header block, comma-separated recipients, MAJR', () => {
  const { batch, candidates } = parseFireEyeBody(fixture('fireeye-plain.json'));
  assert.equal(batch, false);
  const { alert, ignoredFields } = accepted(candidates[0]);
  assert.equal(alert.messageId, DEMO_ID);
  assert.deepEqual(alert.recipients, ['a.smith@demo.clawback.test', 'finance@demo.clawback.test']);
  assert.deepEqual([alert.threat.classification, alert.threat.score], ['malware', 80]);
  assert.match(alert.threat.detail ?? '', /queue 4gh3zJ4CHGzmWwX: FE_Trojan_Invoice_1/);
  assert.equal(alert.alertId, 'e1a5b8f2-3c7d-4e19-9a61-0f2b3c4d5e6f');
  assert.equal(alert.receivedAt, '2026-12-01T09:15:30.000Z');
  assert.deepEqual(ignoredFields, []);
});

test('FireEye {"value"}-wrapped alert arrays answer per alert, with the offending field named', () => {
  const { batch, candidates } = parseFireEyeBody(fixture('fireeye-wrapped.json'));
  assert.equal(batch, true);
  const { alert, ignoredFields } = accepted(candidates[0]);
  assert.deepEqual([alert.messageId, alert.threat.classification, alert.threat.score], [DEMO_ID, 'phish', 95]);
  assert.deepEqual(alert.threat.urls, ['https://billing-portal.example/login']);
  assert.deepEqual(ignoredFields, ['alert.0.appliance-note']);
  assert.deepEqual(refused(candidates[1]).map((i) => i.path), ['alert.1.smtp-message.message-id']);
});

test('Clawback JSON tolerates unknown fields and names them; an array answers per alert', () => {
  const example = JSON.parse(readFileSync(new URL('../examples/alert.json', import.meta.url), 'utf8'));
  const single = parseClawbackBody({ ...example, vendorScore: 3, threat: { ...example.threat, family: 'x' } });
  assert.deepEqual(accepted(single.candidates[0]).ignoredFields.sort(), ['threat.family', 'vendorScore']);
  const batch = parseClawbackBody([example, { ...example, recipients: [] }]);
  assert.equal(batch.batch, true);
  assert.deepEqual(refused(batch.candidates[1]).map((i) => i.path), ['1.recipients']);
});
